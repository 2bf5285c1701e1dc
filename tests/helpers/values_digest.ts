/** Source readings compared exactly: a digest of their binary values. */
import type { Db } from "../../db/types.ts";

/** A digest of the readings' exact values (binary, whatever the text settings). */
export async function valuesDigest(db: Db, where = "true"): Promise<string> {
  const [{ d }] = await db.query<{ d: string }>(
    `SELECT md5(string_agg(turbine || ':' || encode(timestamptz_send(timestamp), 'hex') || ':' ||
              coalesce(encode(float8send(wind_speed), 'hex'), '-') || ':' ||
              coalesce(encode(float8send(power), 'hex'), '-') || ':' ||
              coalesce(encode(float8send(ambient_temperature), 'hex'), '-'),
            ';' ORDER BY turbine, timestamp)) AS d
     FROM data WHERE ${where}`,
  );
  return d;
}
