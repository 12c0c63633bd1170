// ba-issuer dev console: one page over the test API (/__test/*) and the served JWKS. Plain
// script, no framework, no request to any other origin (the page's CSP says default-src 'self').
// Data is put into the page as text (textContent), never as HTML.
"use strict";

(() => {
  const POLL_MS = 1000;
  const VIEWS = ["users", "sessions", "keys", "tokens", "mail", "clock"];

  const state = {
    info: null,          // GET /__test/info
    view: "users",
    version: -1,         // GET /__test/changes
    offsetMs: 0,         // server clock minus this browser's clock
    selectedUser: null,  // id shown in the user detail panel
    users: [],           // the last user list (the mint form's choices)
    jwks: null,          // {keys, etag, cacheControl}
    live: false,
    busy: false,
    pending: false,
  };

  // ---------------------------------------------------------------- helpers

  const $ = (selector, root = document) => root.querySelector(selector);

  // An element with `props` (text, className, attributes as attr.*, dataset as data.*) and
  // children.
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "className") node.className = value;
      else if (name === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
      else if (name === "data") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.code = body && body.code;
    }
  }

  // A JSON request to the server; throws ApiError with Better Auth's {message, code}.
  async function api(path, { method = "GET", body } = {}) {
    const init = { method, credentials: "same-origin", cache: "no-store", headers: {} };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  function say(id, text, isError = false) {
    const node = document.getElementById(id);
    node.textContent = text || "";
    node.classList.toggle("error", Boolean(isError));
  }

  function failed(id, error) {
    let text = error.message || String(error);
    if (error.code === "INVALID_ORIGIN") {
      text += ": open the console at the server's base URL" +
        (state.info && state.info.baseURL ? ` (${new URL(state.info.baseURL).origin}/__console)` : "");
    }
    say(id, text, true);
  }

  const serverNowMs = () => Date.now() + state.offsetMs;

  // A duration in words, as the server says it: "45 s", "10 min", "2 h 5 min", "3 days 4 h".
  function words(seconds) {
    let s = Math.floor(Math.abs(seconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    if (s < 86400) {
      const m = Math.floor((s % 3600) / 60);
      return `${Math.floor(s / 3600)} h` + (m ? ` ${m} min` : "");
    }
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    return `${d} ${d === 1 ? "day" : "days"}` + (h ? ` ${h} h` : "");
  }

  // "in 7 days" / "10 min ago", against the server clock.
  function relative(iso) {
    if (!iso) return "";
    const delta = (Date.parse(iso) - serverNowMs()) / 1000;
    if (Math.abs(delta) < 1) return "now";
    return delta > 0 ? `in ${words(delta)}` : `${words(delta)} ago`;
  }

  const isoOf = (seconds) => new Date(seconds * 1000).toISOString();

  // A table cell with its column's name (shown on narrow screens).
  const cell = (label, ...content) => el("td", { "data-label": label }, ...content);
  const when = (iso) => [el("time", { datetime: iso, text: iso || "—" }), el("span", { className: "sub", text: relative(iso) })];
  const badge = (text, kind = text) => el("span", { className: `badge ${kind}`, text });

  function emptyRow(tbody, columns, text) {
    tbody.replaceChildren(el("tr", {}, el("td", { className: "empty", colspan: columns, text })));
  }

  // ---------------------------------------------------------------- header, polling

  function renderStatus() {
    const node = $("#status");
    const now = new Date(serverNowMs()).toISOString().replace(/\.\d+Z$/, "Z");
    const offset = Math.round(state.offsetMs / 1000);
    const shift = Math.abs(offset) >= 2 ? ` (${offset > 0 ? "+" : "−"}${words(offset)} from real time)` : "";
    node.replaceChildren(
      `Server clock ${now}${shift} · `,
      el("span", { className: state.live ? "live" : "down", text: state.live ? "live" : "not reachable" }));
  }

  async function syncClock() {
    const before = Date.now();
    const clock = await api("/__test/clock");
    state.offsetMs = clock.nowMs - Math.round((before + Date.now()) / 2);
    return clock;
  }

  async function poll() {
    try {
      const { version } = await api("/__test/changes");
      state.live = true;
      if (version !== state.version) {
        state.version = version;
        await refresh();
      }
    } catch {
      state.live = false;
    }
    renderStatus();
    setTimeout(poll, POLL_MS);
  }

  const MESSAGES = { users: "users-msg", sessions: "sessions-msg", keys: "keys-msg", tokens: "mint-msg", mail: "mail-msg", clock: "clock-msg" };

  // Reloads the clock and the current view; a refresh asked for meanwhile runs after it.
  async function refresh() {
    if (state.busy) {
      state.pending = true;
      return;
    }
    state.busy = true;
    try {
      do {
        state.pending = false;
        await syncClock();
        await RENDER[state.view]();
      } while (state.pending);
    } catch (error) {
      failed(MESSAGES[state.view], error);
    } finally {
      state.busy = false;
    }
  }

  function showView(name, { focus = false } = {}) {
    if (!VIEWS.includes(name)) name = "users";
    state.view = name;
    for (const view of VIEWS) $(`#view-${view}`).hidden = view !== name;
    for (const link of document.querySelectorAll("nav a")) {
      if (link.dataset.view === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${name[0].toUpperCase()}${name.slice(1)} · ba-issuer dev console`;
    if (focus) $(`#h-${name}`).focus();
    refresh();
  }

  // ---------------------------------------------------------------- users

  async function renderUsers() {
    const search = $("#user-search").value.trim();
    const query = search ? `?search=${encodeURIComponent(search)}` : "";
    const { users, total } = await api(`/__test/users${query}`);
    state.users = users;
    $("#user-count").textContent = search ? `${users.length} of ${total} users` : `${total} ${total === 1 ? "user" : "users"}`;
    const tbody = $("#users-table tbody");
    if (!users.length) emptyRow(tbody, 5, search ? "No user matches." : "No users yet.");
    else tbody.replaceChildren(...users.map(userRow));
    await renderBrowserSession();
    if (state.selectedUser) await renderUserDetail(state.selectedUser);
  }

  function userRow(user) {
    return el("tr", { data: { userId: user.id } },
      cell("Name", user.name),
      cell("Email", user.email),
      cell("Verified", badge(user.emailVerified ? "yes" : "no")),
      cell("Created", ...when(user.createdAt)),
      cell("Actions", el("div", { className: "actions" },
        el("button", { type: "button", className: "quiet", text: "Details", "aria-label": `Details of ${user.email}`, on: { click: () => openUser(user.id) } }),
        el("button", { type: "button", className: "quiet", text: "Sign in as", "aria-label": `Sign in as ${user.email}`, on: { click: () => signInAs(user.id) } }))));
  }

  async function renderBrowserSession() {
    const base = state.info ? state.info.basePath : "/api/auth";
    const session = await api(`${base}/get-session`);
    $("#browser-session").textContent = session && session.user
      ? `This browser is signed in as ${session.user.email}.`
      : "This browser has no session.";
  }

  async function openUser(id) {
    state.selectedUser = id;
    await renderUserDetail(id);
    $("#h-user-detail").focus();
  }

  async function renderUserDetail(id) {
    let detail;
    try {
      detail = await api(`/__test/users/detail?id=${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status !== 404) throw error;
      state.selectedUser = null;
      $("#user-detail").hidden = true;
      return;
    }
    const { user, sessions, accounts } = detail;
    const panel = $("#user-detail");
    panel.hidden = false;
    $("#h-user-detail").textContent = `${user.name} <${user.email}>`;
    $("#user-detail-id").textContent = `id ${user.id}`;
    // The columns an app or a plugin added (role, banned, twoFactorEnabled, …).
    const standard = new Set(["id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"]);
    const extra = Object.entries(user).filter(([name]) => !standard.has(name));
    $("#user-fields").replaceChildren(...extra.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { className: "mono", text: shown(value) })]));
    $("#user-fields").hidden = !extra.length;
    const form = $("#user-edit");
    if (document.activeElement === null || !form.contains(document.activeElement)) {
      form.elements.name.value = user.name;
      form.elements.emailVerified.checked = user.emailVerified;
    }
    const tbody = $("#user-sessions tbody");
    if (!sessions.length) emptyRow(tbody, 6, "No sessions.");
    else tbody.replaceChildren(...sessions.map((s) => el("tr", {},
      cell("Created", ...when(s.createdAt)),
      cell("Expires", ...when(s.expiresAt)),
      cell("IP", s.ipAddress || "—"),
      cell("User agent", s.userAgent || "—"),
      cell("State", sessionState(s)),
      cell("Actions", el("button", { type: "button", className: "danger", text: "Revoke", on: { click: () => revokeSession(s.id, "users-msg") } })))));
    const accountRows = $("#user-accounts tbody");
    if (!accounts.length) emptyRow(accountRows, 4, "No accounts.");
    else accountRows.replaceChildren(...accounts.map((a) => el("tr", {},
      cell("Provider", a.providerId),
      cell("Account id", el("span", { className: "mono", text: a.accountId })),
      cell("Password", badge(a.password ? "yes" : "no")),
      cell("Created", ...when(a.createdAt)))));
  }

  async function createUser(event) {
    event.preventDefault();
    const form = event.target;
    const body = { email: form.elements.email.value.trim(), emailVerified: form.elements.emailVerified.checked };
    if (form.elements.name.value.trim()) body.name = form.elements.name.value.trim();
    if (form.elements.password.value) body.password = form.elements.password.value;
    try {
      const { user } = await api("/__test/users", { method: "POST", body });
      form.reset();
      say("users-msg", `Created ${user.email}.`);
      state.selectedUser = user.id;
    } catch (error) {
      failed("users-msg", error);
    }
  }

  async function saveUser(event) {
    event.preventDefault();
    const form = event.target;
    try {
      const { user } = await api("/__test/users/update", {
        method: "POST",
        body: { id: state.selectedUser, name: form.elements.name.value.trim(), emailVerified: form.elements.emailVerified.checked },
      });
      say("users-msg", `Saved ${user.email}.`);
      form.elements.name.blur();
    } catch (error) {
      failed("users-msg", error);
    }
  }

  async function deleteUser() {
    const id = state.selectedUser;
    if (!id || !confirm("Delete this user, with its sessions and accounts?")) return;
    try {
      await api("/__test/users/delete", { method: "POST", body: { id } });
      state.selectedUser = null;
      $("#user-detail").hidden = true;
      say("users-msg", "User deleted.");
      $("#user-search").focus();
    } catch (error) {
      failed("users-msg", error);
    }
  }

  async function signInAs(id) {
    try {
      const { user } = await api("/__test/users/sign-in-as", { method: "POST", body: { id } });
      say("users-msg", `This browser now has a session of ${user.email} (its cookie is set for this origin).`);
    } catch (error) {
      failed("users-msg", error);
    }
  }

  async function revokeUserSessions() {
    const id = state.selectedUser;
    if (!id || !confirm("Revoke every session of this user?")) return;
    try {
      const { revoked } = await api("/__test/sessions/revoke", { method: "POST", body: { userId: id } });
      say("users-msg", `Revoked ${revoked} ${revoked === 1 ? "session" : "sessions"}.`);
    } catch (error) {
      failed("users-msg", error);
    }
  }

  // ---------------------------------------------------------------- sessions

  function sessionState(s) {
    const parts = [badge(s.state)];
    if (s.refreshed) parts.push(" ", badge("refreshed"));
    return el("span", {}, ...parts);
  }

  async function renderSessions() {
    const { sessions } = await api("/__test/sessions");
    const live = sessions.filter((s) => s.state === "active").length;
    $("#session-count").textContent = `${sessions.length} ${sessions.length === 1 ? "session" : "sessions"}, ${live} active`;
    const tbody = $("#sessions-table tbody");
    if (!sessions.length) return emptyRow(tbody, 8, "No sessions.");
    tbody.replaceChildren(...sessions.map((s) => el("tr", { data: { sessionId: s.id } },
      cell("User", s.user ? s.user.email : s.userId, s.user ? el("span", { className: "sub", text: s.user.name }) : null),
      cell("Created", ...when(s.createdAt)),
      cell("Expires", ...when(s.expiresAt)),
      cell("Updated", ...when(s.updatedAt)),
      cell("IP", s.ipAddress || "—"),
      cell("User agent", s.userAgent || "—"),
      cell("State", sessionState(s)),
      cell("Actions", el("button", {
        type: "button", className: "danger", text: "Revoke",
        "aria-label": `Revoke the session of ${s.user ? s.user.email : s.userId} made ${s.createdAt}`,
        on: { click: () => revokeSession(s.id, "sessions-msg") },
      })))));
  }

  async function revokeSession(id, msg) {
    if (!confirm("Revoke this session? Its cookie and bearer token stop working at once.")) return;
    try {
      await api("/__test/sessions/revoke", { method: "POST", body: { id } });
      say(msg, "Session revoked.");
    } catch (error) {
      failed(msg, error);
    }
  }

  async function revokeAllSessions() {
    if (!confirm("Revoke every session of every user?")) return;
    try {
      const { revoked } = await api("/__test/sessions/revoke", { method: "POST", body: { all: true } });
      say("sessions-msg", `Revoked ${revoked} ${revoked === 1 ? "session" : "sessions"}.`);
    } catch (error) {
      failed("sessions-msg", error);
    }
  }

  // ---------------------------------------------------------------- keys

  async function fetchJwks() {
    const path = state.info ? state.info.jwksPath : "/api/auth/jwks";
    const res = await fetch(path, { cache: "no-store", credentials: "same-origin" });
    if (!res.ok) throw new ApiError(res.status, null);
    state.jwks = { body: await res.json(), etag: res.headers.get("etag") || "", cacheControl: res.headers.get("cache-control") || "", path };
    return state.jwks;
  }

  async function renderKeys() {
    const [ring, jwks] = await Promise.all([api("/__test/keys"), fetchJwks()]);
    const interval = ring.rotationInterval ? `rotation every ${words(ring.rotationInterval)}` : "no scheduled rotation";
    $("#key-policy").textContent = `${interval} · standby lead time ${words(ring.leadTime)} · grace period ${words(ring.gracePeriod)}`;
    const keys = [...ring.keys].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    $("#key-timeline").replaceChildren(...keys.map((key) => keyItem(key, keys)));
    $("#jwks-path").textContent = jwks.path;
    $("#jwks-etag").textContent = jwks.etag || "(none)";
    $("#jwks-cache").textContent = jwks.cacheControl ? `Cache-Control: ${jwks.cacheControl}` : "";
    $("#jwks").textContent = JSON.stringify(jwks.body, null, 2);
  }

  // When `key` signs (or signed) from: when the key of its alg before it expired, if that was
  // after `key` was made (a standby takes over at the active key's expiresAt), else its creation.
  function signsFrom(key, keys) {
    let from = Date.parse(key.createdAt);
    for (const other of keys) {
      if (other === key || other.alg !== key.alg || !other.expiresAt || other.state === "revoked") continue;
      const made = Date.parse(other.createdAt), expired = Date.parse(other.expiresAt);
      if (made < Date.parse(key.createdAt) && expired > from) from = expired;
    }
    return new Date(from).toISOString();
  }

  // A key's life as four steps, the one it is in marked: published, signs, retires (stays
  // published for the grace period), leaves the JWKS.
  function keyPhases(key, keys) {
    const current = { standby: 0, active: 1, retiring: 2, expired: 3, revoked: 3 }[key.state];
    const steps = [
      ["Published", key.createdAt],
      ["Signs", key.state === "revoked" ? null : signsFrom(key, keys)],
      ["Retires", key.revokedAt || key.expiresAt],
      [key.state === "revoked" ? "Revoked" : "Leaves the JWKS", key.revokedAt || key.publishedUntil],
    ];
    return el("ol", { className: "phases", "aria-label": `Life of key ${key.kid}` },
      steps.map(([name, iso], i) => el("li", { className: i === current ? "current" : i < current ? "past" : "future", "aria-current": i === current ? "step" : null },
        el("span", { className: "phase", text: name }),
        ...(iso ? when(iso) : [el("span", { className: "sub", text: key.state === "revoked" && i === 1 ? "—" : "never" })]))));
  }

  function keyItem(key, keys) {
    const canRevoke = key.state !== "revoked";
    return el("li", { className: key.state, data: { kid: key.kid, state: key.state } },
      el("div", { className: "key-head" },
        badge(key.state),
        el("code", { text: key.kid }),
        el("span", { className: "muted", text: key.alg }),
        canRevoke ? el("button", {
          type: "button", className: "danger", text: "Revoke", "aria-label": `Revoke key ${key.kid}`,
          on: { click: () => revokeKey(key) },
        }) : null),
      keyPhases(key, keys));
  }

  async function rotate(now) {
    const question = now
      ? "Rotate now? A new key signs at once and the current one retires (still published for the grace period)."
      : "Publish a new key as a standby? It is in the JWKS at once and signs after the lead time, when the current key retires.";
    if (!confirm(question)) return;
    try {
      const result = await api("/__test/keys/rotate", { method: "POST", body: { now } });
      say("keys-msg", now ? `Key ${result.kid} signs now.` : `Key ${result.kid} is the standby: it signs from ${result.signsAt}.`);
    } catch (error) {
      failed("keys-msg", error);
    }
  }

  async function revokeKey(key) {
    const signing = key.state === "active";
    const question = signing
      ? `Revoke the signing key ${key.kid}? It leaves the JWKS at once (its tokens stop verifying) and a new key replaces it.`
      : `Revoke key ${key.kid}? It leaves the JWKS at once and its tokens stop verifying.`;
    if (!confirm(question)) return;
    try {
      const result = await api("/__test/keys/revoke", { method: "POST", body: { kid: key.kid, rotate: signing } });
      say("keys-msg", `Revoked ${result.revoked}.` + (result.replacement ? ` ${result.replacement} signs now.` : ""));
    } catch (error) {
      failed("keys-msg", error);
    }
  }

  // ---------------------------------------------------------------- tokens

  const b64urlBytes = (text) => {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  };
  const jsonPart = (text) => {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b64urlBytes(text)));
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    return value;
  };

  // WebCrypto's names for the algorithms ba-issuer signs with.
  const WEBCRYPTO = {
    EdDSA: { key: { name: "Ed25519" }, verify: { name: "Ed25519" } },
    ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
    ES512: { key: { name: "ECDSA", namedCurve: "P-521" }, verify: { name: "ECDSA", hash: "SHA-512" } },
    RS256: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
    PS256: { key: { name: "RSA-PSS", hash: "SHA-256" }, verify: { name: "RSA-PSS", saltLength: 32 } },
  };

  // true/false from WebCrypto, or null when this browser cannot check the algorithm.
  async function webCryptoVerifies(alg, jwk, token) {
    const spec = WEBCRYPTO[alg];
    if (!spec || !globalThis.crypto || !crypto.subtle) return null;
    const { kty, crv, x, y, n, e } = jwk;
    const publicJwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined));
    let key;
    try {
      key = await crypto.subtle.importKey("jwk", publicJwk, spec.key, false, ["verify"]);
    } catch (error) {
      return error && error.name === "NotSupportedError" ? null : false;
    }
    const cut = token.lastIndexOf(".");
    let signature;
    try { signature = b64urlBytes(token.slice(cut + 1)); } catch { return false; }
    return crypto.subtle.verify(spec.verify, key, signature, new TextEncoder().encode(token.slice(0, cut)));
  }

  const shown = (value) => (typeof value === "string" ? value : JSON.stringify(value));
  const audiences = (aud) => (Array.isArray(aud) ? aud : [aud]);

  // What is wrong with `token`, judged as /__test/verify judges it (server/console/verdict.h),
  // the signature checked in this browser where WebCrypto can, else by the server.
  async function judge(token) {
    const parts = token.split(".");
    const out = { header: null, claims: null, problems: [], how: "" };
    if (parts.length !== 3) {
      out.problems.push("not a JWT: expected three base64url parts separated by dots");
      return out;
    }
    try { out.header = jsonPart(parts[0]); } catch { out.problems.push("not a JWT: the header part is not a base64url JSON object"); return out; }
    try { out.claims = jsonPart(parts[1]); } catch { out.problems.push("not a JWT: the claims part is not a base64url JSON object"); return out; }
    const { alg = "", kid = "" } = out.header;
    const jwks = (state.jwks && state.jwks.body.keys) || [];
    const key = jwks.find((k) => k.kid === kid);
    if (alg === "none") {
      out.problems.push('unsigned: alg is "none", so anyone could have written it');
    } else if (/^HS/.test(alg)) {
      out.problems.push(`alg ${alg} is an HMAC algorithm: a JWKS holds public keys, so no verifier may accept it (alg confusion, RFC 8725 §2.1)`);
    } else if (!key) {
      out.problems.push(kid ? `unknown kid: ${kid} is not in the JWKS served now` : "unknown kid: the header names no kid");
    } else if (key.alg !== alg) {
      out.problems.push(`alg ${alg} is not the alg of key ${kid} (${key.alg})`);
    } else {
      let ok = await webCryptoVerifies(alg, key, token);
      if (ok === null) {
        const verdict = await api("/__test/verify", { method: "POST", body: { token } });
        ok = verdict.signature === "valid";
        out.how = `checked by the server (/__test/verify): this browser's WebCrypto cannot verify ${alg}${globalThis.crypto && crypto.subtle ? "" : " (not a secure context)"}.`;
      } else {
        out.how = `checked with WebCrypto in this browser against the served JWKS (key ${kid}).`;
      }
      out.how = `Signature ${ok ? "valid" : "invalid"}: ${out.how}`;
      if (!ok) out.problems.push(`bad signature: not signed by key ${kid}`);
      out.signedBy = ok ? kid : "";
    }
    checkClaims(out.claims, out.problems);
    return out;
  }

  function checkClaims(claims, problems) {
    const now = Math.floor(serverNowMs() / 1000);
    if (typeof claims.exp === "number" && claims.exp <= now) {
      problems.push(`expired at ${isoOf(claims.exp)} (${words(now - claims.exp)} ago by the server clock)`);
    }
    if (typeof claims.nbf === "number" && claims.nbf > now) {
      problems.push(`not valid yet: nbf ${isoOf(claims.nbf)} (in ${words(claims.nbf - now)} by the server clock)`);
    }
    const info = state.info || {};
    if (claims.iss !== info.issuer) problems.push(`wrong issuer: ${"iss" in claims ? shown(claims.iss) : "none"}, expected ${info.issuer}`);
    const expected = audiences(info.audience);
    if (!("aud" in claims) || !audiences(claims.aud).some((a) => expected.includes(a))) {
      problems.push(`wrong audience: ${"aud" in claims ? shown(claims.aud) : "none"}, expected ${shown(info.audience)}`);
    }
  }

  function timeRow(name, seconds) {
    if (typeof seconds !== "number") return [];
    const iso = isoOf(seconds);
    return [el("dt", { text: name }), el("dd", {}, el("time", { datetime: iso, text: iso }), ` (${relative(iso)} by the server clock)`)];
  }

  let judging = 0;
  async function renderToken() {
    const token = $("#token-input").value.trim();
    const verdict = $("#token-verdict");
    const ticket = ++judging;
    if (!token) {
      verdict.replaceChildren(el("p", { className: "muted", text: "Paste a JWT to decode and verify it." }));
      $("#token-header").textContent = $("#token-claims").textContent = "";
      $("#token-times").replaceChildren();
      return;
    }
    if (!state.jwks) await fetchJwks();
    const result = await judge(token);
    if (ticket !== judging) return;  // a newer paste is being judged
    $("#token-header").textContent = result.header ? JSON.stringify(result.header, null, 2) : "";
    $("#token-claims").textContent = result.claims ? JSON.stringify(result.claims, null, 2) : "";
    const claims = result.claims || {};
    $("#token-times").replaceChildren(...timeRow("Issued (iat)", claims.iat), ...timeRow("Not before (nbf)", claims.nbf), ...timeRow("Expires (exp)", claims.exp));
    const items = result.problems.length
      ? [el("p", { className: "bad", text: "A verifier rejects this token:" }), el("ul", {}, result.problems.map((p) => el("li", { className: "bad", text: p })))]
      : [el("p", { className: "ok", text: `Valid: signed by key ${result.signedBy}` + (typeof claims.exp === "number" ? `, expires ${relative(isoOf(claims.exp))}.` : ".") })];
    if (result.how) items.push(el("p", { className: "how", text: result.how }));
    verdict.replaceChildren(...items);
  }

  async function renderTokens() {
    await fetchJwks();
    const { users } = await api("/__test/users?limit=200");
    const select = $("#mint-form").elements.user;
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "", text: "(none: claims only)" }),
      ...users.map((u) => el("option", { value: u.id, text: `${u.email} (${u.name})` })));
    if (users.some((u) => u.id === chosen)) select.value = chosen;
    state.users = users;
    await renderToken();
  }

  function expiresInValue(text) {
    const t = text.trim();
    if (!t) return undefined;
    return /^\d+$/.test(t) ? Number(t) : t;
  }

  async function mint(event) {
    event.preventDefault();
    const form = event.target;
    let extra;
    try {
      extra = JSON.parse(form.elements.claims.value || "{}");
      if (!extra || typeof extra !== "object" || Array.isArray(extra)) throw new Error();
    } catch {
      return say("mint-msg", "Extra claims: expected a JSON object, such as {\"role\": \"admin\"}.", true);
    }
    const user = state.users.find((u) => u.id === form.elements.user.value);
    const claims = user ? { sub: user.id, email: user.email, name: user.name, emailVerified: user.emailVerified, ...extra } : extra;
    const body = { claims, kind: form.elements.kind.value };
    const expiresIn = expiresInValue(form.elements.expiresIn.value);
    if (expiresIn !== undefined) body.expiresIn = expiresIn;
    try {
      const { token } = await api("/__test/tokens", { method: "POST", body });
      say("mint-msg", `Minted a ${body.kind} token${user ? ` for ${user.email}` : ""}: it is in the inspector above.`);
      $("#token-input").value = token;
      await renderToken();
    } catch (error) {
      failed("mint-msg", error);
    }
  }

  // ---------------------------------------------------------------- mail

  async function renderMail() {
    const to = $("#mail-to").value.trim();
    const messages = await api(`/__test/mail${to ? `?to=${encodeURIComponent(to)}` : ""}`);
    const list = $("#mail-list");
    if (!messages.length) return list.replaceChildren(el("li", { className: "empty", text: to ? `No mail to ${to}.` : "The mailbox is empty." }));
    list.replaceChildren(...messages.map((m) => el("li", { data: { kind: m.kind } },
      el("div", { className: "meta" },
        el("span", { className: "to", text: m.to }),
        badge(m.kind, "standby"),
        el("time", { className: "muted", datetime: m.createdAt, text: `${m.createdAt} (${relative(m.createdAt)})` })),
      m.url ? el("p", {}, el("a", { href: m.url, className: "mail-link", text: m.url })) : null,
      m.otp ? el("p", {}, "Code: ", el("code", { text: m.otp })) : null,
      m.token && m.kind === "reset-password"
        ? el("p", { className: "muted" }, "The link redirects to the app's reset page with ?token=; a callback to /__console lets you set the password here.")
        : null)));
  }

  async function clearMail() {
    if (!confirm("Empty the dev mailbox?")) return;
    try {
      await api("/__test/mail", { method: "DELETE" });
      say("mail-msg", "The mailbox is empty.");
    } catch (error) {
      failed("mail-msg", error);
    }
  }

  // ---------------------------------------------------------------- clock

  async function renderClock() {
    const clock = await syncClock();
    $("#clock-now").textContent = clock.iso;
    const offset = Math.round(state.offsetMs / 1000);
    $("#clock-offset").textContent = Math.abs(offset) < 2
      ? "Real time (this browser's clock agrees)."
      : `${offset > 0 ? "Ahead of" : "Behind"} real time by ${words(offset)}.`;
    const form = $("#clock-form");
    if (!form.contains(document.activeElement)) form.elements.at.value = clock.iso.slice(0, 19);
  }

  async function moveClock(body, text) {
    try {
      const clock = await api("/__test/clock", { method: "POST", body });
      say("clock-msg", `${text}: ${clock.iso}.`);
    } catch (error) {
      failed("clock-msg", error);
    }
  }

  function setClock(event) {
    event.preventDefault();
    const value = event.target.elements.at.value;
    const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
    if (Number.isNaN(ms)) return say("clock-msg", "Set to: expected a date and time.", true);
    moveClock({ set: ms / 1000 }, "Clock set");
  }

  // ---------------------------------------------------------------- password reset landing

  // A reset link whose callback is /__console lands here with ?token= (or ?error=).
  function resetLanding() {
    const params = new URLSearchParams(location.search);
    if (params.get("error")) {
      showBanner(`The link did not work: ${params.get("error")} (expired, already used, or unknown).`);
    }
    const token = params.get("token");
    if (!token) return;
    const dialog = $("#reset-dialog");
    const form = $("#reset-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const base = state.info ? state.info.basePath : "/api/auth";
      try {
        await api(`${base}/reset-password`, { method: "POST", body: { newPassword: form.elements.password.value, token } });
        say("reset-msg", "Password set: sign in with the new password.");
        form.elements.password.value = "";
        form.elements.password.disabled = true;
        history.replaceState(null, "", location.pathname + location.hash);
      } catch (error) {
        failed("reset-msg", error);
      }
    });
    $("#reset-cancel").addEventListener("click", () => dialog.close());
    dialog.showModal();
  }

  function showBanner(text) {
    const banner = $("#banner");
    banner.textContent = text;
    banner.hidden = false;
  }

  // ---------------------------------------------------------------- start

  const RENDER = { users: renderUsers, sessions: renderSessions, keys: renderKeys, tokens: renderTokens, mail: renderMail, clock: renderClock };

  function debounce(fn, ms) {
    let timer = 0;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  function wire() {
    window.addEventListener("hashchange", () => showView(location.hash.slice(1), { focus: true }));
    $("#user-search").addEventListener("input", debounce(refresh, 200));
    $("#user-form").addEventListener("submit", createUser);
    $("#user-edit").addEventListener("submit", saveUser);
    $("#user-delete").addEventListener("click", deleteUser);
    $("#user-sign-in-as").addEventListener("click", () => signInAs(state.selectedUser));
    $("#user-revoke-all").addEventListener("click", revokeUserSessions);
    $("#user-close").addEventListener("click", () => { state.selectedUser = null; $("#user-detail").hidden = true; });
    $("#sessions-revoke-all").addEventListener("click", revokeAllSessions);
    $("#key-rotate").addEventListener("click", () => rotate(false));
    $("#key-rotate-now").addEventListener("click", () => rotate(true));
    $("#token-input").addEventListener("input", debounce(() => renderToken().catch((e) => failed("mint-msg", e)), 150));
    $("#mint-form").addEventListener("submit", mint);
    $("#mail-to").addEventListener("input", debounce(refresh, 200));
    $("#mail-clear").addEventListener("click", clearMail);
    for (const button of document.querySelectorAll("[data-advance]")) {
      button.addEventListener("click", () => moveClock({ advance: Number(button.dataset.advance) }, `Moved ${button.textContent}`));
    }
    $("#clock-real").addEventListener("click", () => moveClock({ real: true }, "Back to real time"));
    $("#clock-form").addEventListener("submit", setClock);
    setInterval(renderStatus, 1000);
  }

  async function start() {
    wire();
    try {
      state.info = await api("/__test/info");
      const kinds = $("#mint-form").elements.kind;
      kinds.replaceChildren(...state.info.tokenKinds.map((k) => el("option", { value: k, text: k })));
      const base = state.info.baseURL ? new URL(state.info.baseURL).origin : null;
      if (base && base !== location.origin) {
        showBanner(`This server's base URL is ${base}: open the console at ${base}/__console, or the origin check refuses its changes.`);
      }
      state.live = true;
    } catch (error) {
      showBanner(`The test API does not answer (${error.message}).`);
    }
    resetLanding();
    showView(location.hash.slice(1) || "users");
    poll();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
