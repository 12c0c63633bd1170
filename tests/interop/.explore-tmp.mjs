import { startServer, tempDir, rawRequest, parseSetCookie, decodeJwt } from "/work/main/tests/interop/harness.mjs";
import Database from "better-sqlite3";
const d = tempDir("algx-");
const JSONCT = { "content-type": "application/json" };
async function tok(srv) {
  const r = await rawRequest(`${srv.base}/sign-up/email`, { method: "POST", headers: JSONCT, body: JSON.stringify({ name: "x", email: `x${Math.random()}@e.com`.replace("0.",""), password: "password xx1" }) });
  const c = r.setCookies.map(parseSetCookie).find((c) => c.name === "better-auth.session_token");
  const t = await rawRequest(`${srv.base}/token`, { headers: { cookie: `${c.name}=${c.value}` } });
  return t.json.token;
}
for (const alg of process.argv.slice(2)) {
  for (const kind of ["ref", "ba-issuer"]) {
    const db = d.file(`${kind}-${alg}.db`);
    const s = await startServer(kind, { db, env: kind === "ref" ? { BA_KEY_ALG: alg } : {}, extraArgs: kind === "ref" ? [] : ["--alg", alg], readyTimeoutMs: 90000 });
    const j = await rawRequest(`${s.base}/jwks`);
    const t = await tok(s);
    const dd = decodeJwt(t);
    console.log(kind, alg, j.headers["cache-control"], j.text.replace(/"(n|x|y)":"[^"]+"/g, '"$1":"…"'), JSON.stringify(dd.header), dd.signature.length);
    await s.stop();
    const h = new Database(db, { readonly: true });
    for (const r of h.prepare("select id, alg, crv, publicKey, length(privateKey) pl, substr(privateKey,1,10) pk, createdAt, expiresAt from jwks").all()) console.log("  row", JSON.stringify({ ...r, publicKey: r.publicKey.replace(/"(n|x|y)":"[^"]+"/g, '"$1":"…"') }));
    h.close();
  }
}
d.remove();
