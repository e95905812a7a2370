/**
 * Polygonizing a binary grid (like `gdal_polygonize` on a mask): the boundary between set and unset
 * cells traced into closed rings (outer rings counter-clockwise, holes clockwise, in cell coordinates
 * with y down), simplified with Douglas–Peucker, and grouped into polygons.
 */
import type { Position } from '../geo/geometry.js';

/**
 * Rings of the set cells of a `width × height` grid (row-major, non-zero = set), grouped into polygons
 * `[outer, ...holes]`, vertices at cell corners `(col, row)`, simplified to within `tolerance` cells
 * (0 keeps every corner; collinear points are always dropped), and with `inset` every edge moved that
 * many cells into the set region (so that boxes on the cell grid that only touch the outline do not
 * overlap it even after rounding in reprojection).
 */
export function polygonizeMask(
  cells: ArrayLike<number>,
  width: number,
  height: number,
  tolerance: number,
  inset = 0,
): Position[][][] {
  const set = (c: number, r: number) => c >= 0 && r >= 0 && c < width && r < height && cells[r * width + c] !== 0;
  // Directed boundary edges with the set cell on their left (y down: walking so that the set cell is
  // on the left makes outer rings counter-clockwise on screen).
  const next = new Map<number, number[]>();
  const key = (x: number, y: number) => y * (width + 1) + x;
  const add = (x0: number, y0: number, x1: number, y1: number) => {
    const k = key(x0, y0);
    const list = next.get(k);
    const v = key(x1, y1);
    if (list) list.push(v);
    else next.set(k, [v]);
  };
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (!set(c, r)) continue;
      if (!set(c, r - 1)) add(c + 1, r, c, r); // top edge, walking west
      if (!set(c - 1, r)) add(c, r, c, r + 1); // left edge, walking south
      if (!set(c, r + 1)) add(c, r + 1, c + 1, r + 1); // bottom edge, walking east
      if (!set(c + 1, r)) add(c + 1, r + 1, c + 1, r); // right edge, walking north
    }
  }
  const rings: Position[][] = [];
  const pos = (k: number): Position => [k % (width + 1), Math.floor(k / (width + 1))];
  for (const start of [...next.keys()]) {
    while ((next.get(start)?.length ?? 0) > 0) {
      const ring: Position[] = [pos(start)];
      let prev = start;
      let cur = takeEdge(next, start, null, pos);
      let guard = 0;
      while (cur !== start && guard++ < 4 * (width + 1) * (height + 1)) {
        ring.push(pos(cur));
        const from = prev;
        prev = cur;
        cur = takeEdge(next, cur, from, pos);
      }
      ring.push(pos(start));
      const simple = simplify(insetRing(dropCollinear(ring), inset), tolerance);
      if (simple.length >= 4) rings.push(simple);
    }
  }
  // Group: counter-clockwise (in y-down coordinates: negative shoelace) rings are outers.
  const outers = rings.filter((r) => signedArea(r) < 0).map((r) => [r]);
  for (const hole of rings.filter((r) => signedArea(r) > 0)) {
    const [x, y] = hole[0];
    const owner = outers.find((p) => contains(p[0], x, y));
    if (owner) owner.push(hole);
  }
  return outers;
}

/** Takes one outgoing edge of vertex `k`; at a vertex with two (diagonal cells), turns so that set cells stay connected through edges, not corners. */
function takeEdge(next: Map<number, number[]>, k: number, from: number | null, pos: (k: number) => Position): number {
  const list = next.get(k)!;
  if (list.length === 1 || from === null) return list.pop()!;
  const [px, py] = pos(from);
  const [cx, cy] = pos(k);
  const din = [cx - px, cy - py];
  // Prefer the right turn (with the set cells on the left, this keeps diagonal cells apart).
  let best = 0;
  let bestScore = -Infinity;
  list.forEach((v, i) => {
    const [nx, ny] = pos(v);
    const dout = [nx - cx, ny - cy];
    const cross = din[0] * dout[1] - din[1] * dout[0];
    if (cross > bestScore) {
      bestScore = cross;
      best = i;
    }
  });
  return list.splice(best, 1)[0];
}

function dropCollinear(ring: Position[]): Position[] {
  const out: Position[] = [];
  const n = ring.length - 1; // closed
  for (let i = 0; i < n; i++) {
    const a = ring[(i - 1 + n) % n];
    const b = ring[i];
    const c = ring[(i + 1) % n];
    if ((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) !== 0) out.push(b);
  }
  if (out.length > 0) out.push([out[0][0], out[0][1]]);
  return out;
}

/** Moves the corners of a closed rectilinear ring (set region on the left of travel) `d` into the set region. */
function insetRing(ring: Position[], d: number): Position[] {
  if (d === 0 || ring.length < 4) return ring;
  const n = ring.length - 1;
  const left = (a: Position, b: Position): Position => {
    const dx = Math.sign(b[0] - a[0]);
    const dy = Math.sign(b[1] - a[1]);
    return [dy, -dx];
  };
  const out: Position[] = [];
  for (let i = 0; i < n; i++) {
    const a = ring[(i - 1 + n) % n];
    const b = ring[i];
    const c = ring[(i + 1) % n];
    const l1 = left(a, b);
    const l2 = left(b, c);
    out.push([b[0] + d * (l1[0] + l2[0]), b[1] + d * (l1[1] + l2[1])]);
  }
  out.push([out[0][0], out[0][1]]);
  return out;
}

/** Douglas–Peucker on a closed ring (split at its first vertex and the vertex farthest from it). */
function simplify(ring: Position[], tol: number): Position[] {
  if (tol <= 0 || ring.length <= 5) return ring;
  const pts = ring.slice(0, -1);
  let far = 0;
  let farD = -1;
  for (let i = 1; i < pts.length; i++) {
    const d = Math.hypot(pts[i][0] - pts[0][0], pts[i][1] - pts[0][1]);
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  const keep = new Uint8Array(pts.length);
  keep[0] = 1;
  keep[far] = 1;
  const dp = (i: number, j: number, path: Position[]) => {
    const stack: [number, number][] = [[i, j]];
    while (stack.length) {
      const [a, b] = stack.pop()!;
      let idx = -1;
      let dmax = tol;
      for (let k = a + 1; k < b; k++) {
        const d = segDist(path[k], path[a], path[b % path.length]);
        if (d > dmax) {
          dmax = d;
          idx = k;
        }
      }
      if (idx >= 0) {
        keep[idx % pts.length] = 1;
        stack.push([a, idx], [idx, b]);
      }
    }
  };
  dp(0, far, pts);
  dp(far, pts.length, pts);
  const out = pts.filter((_, i) => keep[i]);
  if (out.length < 3) return ring;
  out.push([out[0][0], out[0][1]]);
  return out;
}

function segDist(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

function signedArea(ring: Position[]): number {
  let s = 0;
  for (let i = 1; i < ring.length; i++) s += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return s / 2;
}

function contains(ring: Position[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
