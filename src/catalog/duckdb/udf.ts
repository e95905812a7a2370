/**
 * JavaScript scalar functions registered in every geoslice DuckDB instance, so that exact geometry
 * refinement, Hilbert sort keys and WKB inspection compose with SQL (DuckDB core has no spatial
 * predicates; the `spatial` extension is never required). Callbacks run on the JS thread.
 */
import { BLOB, BOOLEAN, DOUBLE, DuckDBScalarFunction, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { geometriesIntersect, geometryBBox, geometryIntersectsBBox, type Geometry } from '../../geo/geometry.js';
import { hilbertKey } from '../../geo/hilbert.js';
import { readWkb } from '../../geo/wkb.js';
import type { BBox } from '../../geo/bbox.js';

/**
 * Names of the registered functions, for SQL builders.
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
 */
export function registerUdfs(conn: DuckDBConnection): void {
  const box = (a: unknown[]): BBox => [a[1], a[2], a[3], a[4]] as BBox;
  registerRowwise(conn, UDF.intersectsBBox, BOOLEAN, [BLOB, DOUBLE, DOUBLE, DOUBLE, DOUBLE], (a) =>
    geometryIntersectsBBox(parse(a[0]), box(a)),
  );
  registerRowwise(conn, UDF.geomsIntersect, BOOLEAN, [BLOB, BLOB], (a) =>
    geometriesIntersect(parse(a[0]), parse(a[1])),
  );
  registerRowwise(conn, UDF.hilbert, DOUBLE, [DOUBLE, DOUBLE], (a) => hilbertKey(a[0] as number, a[1] as number));
  const bounds = [UDF.wkbXmin, UDF.wkbYmin, UDF.wkbXmax, UDF.wkbYmax];
  bounds.forEach((name, k) => registerRowwise(conn, name, DOUBLE, [BLOB], (a) => geometryBBox(parse(a[0]))[k]));
}

/**
 * Registers a scalar function computed row by row: a NULL argument gives NULL, and an exception
 * fails the query with a message naming the function.
 */
function registerRowwise(
  conn: DuckDBConnection,
  name: string,
  returnType: DuckDBType,
  parameterTypes: DuckDBType[],
  fn: (args: unknown[]) => unknown,
): void {
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name,
      returnType,
      parameterTypes,
      mainFunction: (info, input, out) => {
        const vectors = parameterTypes.map((_, c) => input.getColumnVector(c));
        const args: unknown[] = new Array(vectors.length);
        for (let r = 0; r < input.rowCount; r++) {
          let anyNull = false;
          for (let c = 0; c < vectors.length; c++) {
            args[c] = vectors[c].getItem(r);
            if (args[c] === null) anyNull = true;
          }
          if (anyNull) {
            out.setItem(r, null);
            continue;
          }
          try {
            out.setItem(r, fn(args) as never);
          } catch (e) {
            info.setError(`${name}: ${(e as Error).message}`);
            return;
          }
        }
        out.flush();
      },
    }),
  );
}
