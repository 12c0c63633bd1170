// Preloaded into a Better Auth server by social-builtin.test.mjs (NODE_OPTIONS=--import): sends
// its calls to github.com / discord.com to the URLs in REDIRECT_FETCH ({prefix: replacement},
// JSON) instead, so Better Auth's own github and discord providers run unchanged against
// ba-issuer's dev provider. Only exact prefixes are rewritten; anything else fails loudly.
const map = Object.entries(JSON.parse(process.env.REDIRECT_FETCH ?? "{}"));
const realFetch = globalThis.fetch;

function rewrite(url) {
  for (const [prefix, replacement] of map) {
    if (url.startsWith(prefix)) return replacement + url.slice(prefix.length);
  }
  if (/^https:\/\/([a-z]+\.)*(github|discord)\.com\//.test(url)) throw new Error(`unmapped ${url}`);
  return url;
}

globalThis.fetch = (input, init) => {
  if (typeof input === "string" || input instanceof URL) return realFetch(rewrite(String(input)), init);
  return realFetch(new Request(rewrite(input.url), input), init);
};
