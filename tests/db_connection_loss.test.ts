/**
 * Issue 6: losing a connection never kills the process. In every phase
 * (query, transaction, COPY FROM, COPY TO, session, idle pooled connection)
 * the server kills our session (pg_terminate_backend) or restarts (fast and
 * immediate) on a PRIVATE cluster; the operation in flight must end as a
 * rejected promise classified by isConnectionError (never an uncaught
 * exception: Deno's test runner fails the module on one), and the same Db
 * must answer queries afterwards.
 *
 * postgres.js 3.4.9 died here with "Cannot read properties of null (reading
 * 'write')" (bench/driver_crash.ts shows it); this is the test of the switch.
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import { isConnectionError, sqlState } from "../db/errors.ts";
import { NO_PRIVATE_CLUSTER, startPrivateCluster } from "./helpers/private_cluster.ts";
import { FAULTS, PHASES, scenario } from "./helpers/faults.ts";

Deno.test({
  name: "[postgres] connection loss in every phase is a rejected promise, and the Db recovers",
  ignore: NO_PRIVATE_CLUSTER,
  async fn(t) {
    const cluster = await startPrivateCluster();
    const db = new PostgresDb(cluster.url, { max: 4, maxStreams: 2 });
    try {
      for (const fault of FAULTS) {
        for (const phase of PHASES) {
          await t.step(`${phase} / ${fault}`, async () => {
            const o = await scenario(db, cluster, phase, fault);
            if (phase === "idle") {
              assert.equal(o.op, "ok");
            } else {
              assert.notEqual(o.op, "ok", `${phase} survived a ${fault} it could not survive`);
              assert.ok(isConnectionError(o.error), `not a connection error: ${o.op}`);
            }
            assert.ok(o.recovered, `the Db did not answer after ${fault} in ${phase}`);
          });
        }
      }
    } finally {
      await db.close();
      await cluster.stop();
    }
  },
});

Deno.test({
  name: "[postgres] a server that is down is a rejected connection error, not a crash",
  ignore: NO_PRIVATE_CLUSTER,
  async fn() {
    const cluster = await startPrivateCluster();
    const db = new PostgresDb(cluster.url, { max: 2, maxStreams: 1 });
    try {
      await db.query("SELECT 1");
      await cluster.stop();
      const e = await db.query("SELECT 1").then(() => null, (e) => e);
      assert.ok(e, "a query against a stopped server succeeded");
      assert.ok(isConnectionError(e), `not a connection error: ${e}`);
      const e2 = await (async () => {
        for await (const _ of db.copyOut("SELECT 1", "lines")) { /* nothing */ }
      })().then(() => null, (e) => e);
      assert.ok(isConnectionError(e2), `copyOut: not a connection error: ${e2}`);
    } finally {
      await db.close();
      await cluster.stop();
    }
  },
});

Deno.test({
  name:
    "[postgres] a connection lost between two statements of a session: the next one says why, as the server did",
  ignore: NO_PRIVATE_CLUSTER,
  async fn(t) {
    const cluster = await startPrivateCluster();
    const db = new PostgresDb(cluster.url, { max: 2, maxStreams: 1 });
    try {
      const faults: [string, () => Promise<void>, RegExp][] = [
        [
          "pg_terminate_backend",
          () => cluster.terminateBackends("windbin"),
          /^terminating connection due to administrator command$/,
        ],
        [
          "restart -m fast",
          () => cluster.restart("fast"),
          /^terminating connection due to administrator command$/,
        ],
        [
          // Said only as a WARNING before the connection drops; pg alone reports
          // "Connection terminated unexpectedly".
          "restart -m immediate",
          () => cluster.restart("immediate"),
          /^terminating connection due to immediate shutdown command$/,
        ],
      ];
      for (const [name, fault, reason] of faults) {
        await t.step(name, async () => {
          let e: unknown = null;
          // The session cannot clean up its connection either: it rejects with the same reason.
          const ended = await db.session(async (s) => {
            await s.query("SELECT 1");
            await fault();
            // pg's own text would be "Client has encountered a connection error and is not
            // queryable" (or "Connection terminated unexpectedly"), without the server's reason.
            e = await s.query("SELECT 1").then(() => null, (e) => e);
          }).then(() => null, (e) => e);
          for (const err of [e, ended]) {
            assert.ok(err, `a statement after ${name} succeeded`);
            assert.match((err as Error).message, reason);
            assert.equal(sqlState(err), "57P01");
            assert.ok(isConnectionError(err));
          }
          assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }], "recovered");
        });
      }
    } finally {
      await db.close();
      await cluster.stop();
    }
  },
});
