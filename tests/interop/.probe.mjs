import { startServer, tempDir, rawRequest, parseSetCookie, decodeJwt, SECRET } from "./harness.mjs";
import Database from "better-sqlite3";
import { copyFileSync } from "node:fs";
import { generateKeyPair, exportJWK, createLocalJWKSet, jwtVerify } from "jose";
import { symmetricEncrypt } from "better-auth/crypto";
const d = tempDir("algprobe-");
const JSONCT = { "content-type": "application/json" };
const tpl = d.file("tpl.db");
{ const s = await startServer("ref", { db: tpl, readyTimeoutMs: 90000 }); await s.stop(); }
let n = 0;
async function row(alg, opts, { algCol = alg, crvCol } = {}) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...opts, extractable: true });
  const pub = await exportJWK(publicKey), priv = await exportJWK(privateKey);
  const id = ("probe" + (++n) + "x".repeat(40)).slice(0, 32);
  return { id, publicKey: JSON.stringify(pub), privateKey: JSON.stringify(await symmetricEncrypt({ key: SECRET, data: JSON.stringify(priv) })),
    createdAt: new Date(Date.now() - 60000 + n).toISOString(), expiresAt: null, alg: algCol, crv: crvCol === undefined ? (pub.crv ?? null) : crvCol };
}
async function probe(name, rows, servers) {
  console.log(`== ${name}`);
  for (const [kind, alg] of servers) {
    const db = d.file(`${name.replace(/\W/g, "_")}-${kind}-${alg}.db`);
    copyFileSync(tpl, db);
    const h = new Database(db);
    for (const r of rows) h.prepare("insert into jwks (id, publicKey, privateKey, createdAt, expiresAt, alg, crv) values (@id,@publicKey,@privateKey,@createdAt,@expiresAt,@alg,@crv)").run(r);
    h.close();
    let s;
    try {
      s = await startServer(kind, { db, env: kind === "ref" && alg ? { BA_KEY_ALG: alg } : {}, extraArgs: kind === "ref" ? [] : ["--alg", alg], readyTimeoutMs: 90000 });
    } catch (e) { console.log(`  ${kind} ${alg}: start failed: ${e.message.split("\n").slice(0, 3).join(" | ")}`); continue; }
    const j = await rawRequest(`${s.base}/jwks`);
    const r = await rawRequest(`${s.base}/sign-up/email`, { method: "POST", headers: JSONCT, body: JSON.stringify({ name: "x", email: `p${++n}@e.com`, password: "password xx1" }) });
    const c = r.setCookies.map(parseSetCookie).find((c) => c.name === "better-auth.session_token");
    const t = await rawRequest(`${s.base}/token`, { headers: { cookie: `${c.name}=${c.value}` } });
    let tk = `${t.status} ${t.text.slice(0, 120)}`;
    if (t.status === 200) {
      const h = decodeJwt(t.json.token).header;
      let v; try { await jwtVerify(t.json.token, createLocalJWKSet(j.json), { algorithms: [h.alg] }); v = "verifies"; } catch (e) { v = "NOT verified: " + e.code; }
      tk = `${JSON.stringify(h)} ${v}`;
    }
    const h2 = new Database(db, { readonly: true });
    const rs = h2.prepare("select id, alg, crv from jwks").all(); h2.close();
    console.log(`  ${kind} --alg ${alg ?? "(default)"}: jwks ${j.status} ${j.text.replace(/"(n|x|y)":"[^"]+"/g, '"$1":"…"')}\n      token ${tk}\n      rows ${JSON.stringify(rs)}`);
    await s.stop();
  }
}
const srvs = (...algs) => algs.flatMap((a) => [["ref", a], ["ba-issuer", a]]);
await probe("NULL-alg P-256 row", [await row("ES256", {}, { algCol: null })], srvs("ES256", "EdDSA"));
await probe("NULL-alg Ed25519 row", [await row("EdDSA", { crv: "Ed25519" }, { algCol: null })], srvs("ES256"));
await probe("NULL-alg NULL-crv P-256 row", [await row("ES256", {}, { algCol: null, crvCol: null })], srvs("ES256"));
await probe("RS256 4096-bit row", [await row("RS256", { modulusLength: 4096 })], srvs("RS256"));
await probe("only an RS256 row", [await row("RS256", {})], srvs("PS256", "EdDSA"));
await probe("ES384 row", [await row("ES384", {})], srvs("ES256"));
d.remove();
