/**
 * JavaScript scalar functions registered in every geoslice DuckDB instance, so that exact geometry
 * refinement, Hilbert sort keys and WKB inspection compose with SQL (DuckDB core has no spatial
 * predicates; the `spatial` extension is never required). Callbacks run on the JS thread.
 */
import { BLOB, BOOLEAN, DOUBLE, DuckDBScalarFunction, type DuckDBConnection } from '@duckdb/node-api';
import { geometriesIntersect, geometryBBox, geometryIntersectsBBox, type Geometry } from '../../geo/geometry.js';
import { hilbertKey } from '../../geo/hilbert.js';
import { readWkb } from '../../geo/wkb.js';
import type { BBox } from '../../geo/bbox.js';

/**
 * Names of the registered functions, for SQL builders.
 *
 * @example
 * ```ts
 * const pred = `${UDF.intersectsBBox}(geometry, $x1, $y1, $x2, $y2)`;
 * ```
 */
export const UDF = {
  /** `gs_intersects_bbox(wkb BLOB, xmin, ymin, xmax, ymax DOUBLE) -> BOOLEAN`: exact footprint/box test. */
  intersectsBBox: 'gs_intersects_bbox',
  /** `gs_geoms_intersect(a BLOB, b BLOB) -> BOOLEAN`: exact footprint/footprint test. */
  geomsIntersect: 'gs_geoms_intersect',
  /** `gs_hilbert(x DOUBLE, y DOUBLE) -> DOUBLE`: Hilbert key of a lon/lat point (order 16, world extent). */
  hilbert: 'gs_hilbert',
  /** `gs_wkb_xmin/ymin/xmax/ymax(wkb BLOB) -> DOUBLE`: bounds of a footprint, for files without a bbox column. */
  wkbXmin: 'gs_wkb_xmin',
  wkbYmin: 'gs_wkb_ymin',
  wkbXmax: 'gs_wkb_xmax',
  wkbYmax: 'gs_wkb_ymax',
} as const;

function parse(bytes: unknown): Geometry {
  const b = bytes as { bytes?: Uint8Array } | Uint8Array;
  return readWkb(b instanceof Uint8Array ? b : (b.bytes as Uint8Array));
}

/**
 * Registers the geoslice functions on a connection (they become visible to every connection of the
 * same instance). Errors inside a callback (e.g. invalid WKB) fail the query with a message naming
 * the function; the caller wraps it into a {@link CatalogError}.
 *
 * @example
 * ```ts
 * registerUdfs(conn);
 * await conn.run('SELECT gs_hilbert(10.5, 45.2)');
 * ```
 */
export function registerUdfs(conn: DuckDBConnection): void {
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: UDF.intersectsBBox,
      returnType: BOOLEAN,
      parameterTypes: [BLOB, DOUBLE, DOUBLE, DOUBLE, DOUBLE],
      mainFunction: (info, input, out) => {
        const v = [0, 1, 2, 3, 4].map((c) => input.getColumnVector(c));
        for (let r = 0; r < input.rowCount; r++) {
          const g = v[0].getItem(r);
          if (g === null) { out.setItem(r, null); continue; }
          try {
            const box: BBox = [v[1].getItem(r) as number, v[2].getItem(r) as number, v[3].getItem(r) as number, v[4].getItem(r) as number];
            out.setItem(r, geometryIntersectsBBox(parse(g), box));
          } catch (e) {
            info.setError(`${UDF.intersectsBBox}: ${(e as Error).message}`);
            return;
          }
        }
        out.flush();
      },
    }),
  );
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: UDF.geomsIntersect,
      returnType: BOOLEAN,
      parameterTypes: [BLOB, BLOB],
      mainFunction: (info, input, out) => {
        const a = input.getColumnVector(0);
        const b = input.getColumnVector(1);
        for (let r = 0; r < input.rowCount; r++) {
          const ga = a.getItem(r);
          const gb = b.getItem(r);
          if (ga === null || gb === null) { out.setItem(r, null); continue; }
          try {
            out.setItem(r, geometriesIntersect(parse(ga), parse(gb)));
          } catch (e) {
            info.setError(`${UDF.geomsIntersect}: ${(e as Error).message}`);
            return;
          }
        }
        out.flush();
      },
    }),
  );
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: UDF.hilbert,
      returnType: DOUBLE,
      parameterTypes: [DOUBLE, DOUBLE],
      mainFunction: (_info, input, out) => {
        const x = input.getColumnVector(0);
        const y = input.getColumnVector(1);
        for (let r = 0; r < input.rowCount; r++) {
          const xv = x.getItem(r) as number | null;
          const yv = y.getItem(r) as number | null;
          out.setItem(r, xv === null || yv === null ? null : hilbertKey(xv, yv));
        }
        out.flush();
      },
    }),
  );
  const bound = (name: string, k: 0 | 1 | 2 | 3): void => {
    conn.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType: DOUBLE,
        parameterTypes: [BLOB],
        mainFunction: (info, input, out) => {
          const g = input.getColumnVector(0);
          for (let r = 0; r < input.rowCount; r++) {
            const v = g.getItem(r);
            if (v === null) { out.setItem(r, null); continue; }
            try {
              out.setItem(r, geometryBBox(parse(v))[k]);
            } catch (e) {
              info.setError(`${name}: ${(e as Error).message}`);
              return;
            }
          }
          out.flush();
        },
      }),
    );
  };
  bound(UDF.wkbXmin, 0);
  bound(UDF.wkbYmin, 1);
  bound(UDF.wkbXmax, 2);
  bound(UDF.wkbYmax, 3);
}
