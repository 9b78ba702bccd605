// Interop peer for the switcher test suite: a stock better-auth 1.7.25 server.
//
// Usage: node server.mjs [--port N] [--secret S] [--base-url URL]
//                        [--database memory|sqlite:/path/file.db|postgres://...]
//                        [--max-sessions N] [--update-age S] [--expires-in S]
//                        [--secure-cookies] [--cookie-prefix NAME]
//                        [--trusted-origin O]... [--rate-limit]
//                        [--rate-limit-storage memory|database]
//                        [--require-email-verification] [--mail-log PATH]
//                        [--cookie-domain DOMAIN] [--username] [--base-path PATH]
//                        [--two-factor] [--two-factor-cookie-max-age S]
//                        [--magic-link] [--email-otp]
//                        [--generic-oauth PROVIDER_URL] [--no-password]
//                        [--migrate] [--print-migrations] [--parent-pid PID]
//
// --mail-log: every email better-auth would send is appended to PATH as one
// JSON line: {"kind": "verify" | "magic-link", "to", "url", "token"} or
// {"kind": "two-factor-otp" | "email-otp", "to", "otp"}.
//
// --two-factor turns on the twoFactor plugin with TOTP and codes by email;
// --magic-link and --email-otp the plugins of those names.
//
// --generic-oauth turns on the genericOAuth plugin with one provider,
// "test-sso" ("Test SSO"; client "switcher-test" / "switcher-test-secret";
// PROVIDER_URL/authorize, /token, /userinfo; scopes openid email profile),
// signed in through the core POST <auth>/sign-in/social {provider:
// "test-sso"} and GET <auth>/callback/test-sso.  The peer then also serves,
// outside better-auth, the site's own pages: GET / (the sign-in page: its
// script starts the Test SSO sign-in at once, and a button does it again)
// and GET /signed-in (where the sign-in lands: "Signed in as <email>" from
// get-session, in the page and as its title, then the emails of the device's
// sessions).  --no-password turns emailAndPassword off: an OAuth-only site.
//
// Prints exactly one line "READY http://127.0.0.1:<port>" on stdout once it
// accepts requests; every log line of better-auth goes to stderr.  With
// --print-migrations it prints one JSON line describing the pending migration
// and exits without serving.  SIGTERM/SIGINT close the server and exit 0, and
// so does the death of --parent-pid (checked every second).
//
// NODE_ENV is read by better-auth when its modules load, so it is set here
// (default "development") before they are imported dynamically.

import http from "node:http";
import process from "node:process";
import { parseArgs } from "node:util";

const USAGE_EXIT = 2;

function fail(message, code = 1) {
  process.stderr.write(`server.mjs: ${message}\n`);
  process.exit(code);
}

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string", default: "0" },
        secret: {
          type: "string",
          default: "switcher-interop-peer-secret-0123456789abcdef",
        },
        "base-url": { type: "string" },
        database: { type: "string", default: "memory" },
        "max-sessions": { type: "string", default: "5" },
        "update-age": { type: "string" },
        "expires-in": { type: "string" },
        "secure-cookies": { type: "boolean", default: false },
        "cookie-prefix": { type: "string" },
        "trusted-origin": { type: "string", multiple: true, default: [] },
        "rate-limit": { type: "boolean", default: false },
        "rate-limit-storage": { type: "string", default: "memory" },
        "require-email-verification": { type: "boolean", default: false },
        "mail-log": { type: "string" },
        "cookie-domain": { type: "string" },
        username: { type: "boolean", default: false },
        "base-path": { type: "string" },
        "two-factor": { type: "boolean", default: false },
        "two-factor-cookie-max-age": { type: "string" },
        "magic-link": { type: "boolean", default: false },
        "email-otp": { type: "boolean", default: false },
        "generic-oauth": { type: "string" },
        "no-password": { type: "boolean", default: false },
        migrate: { type: "boolean", default: false },
        "print-migrations": { type: "boolean", default: false },
        "parent-pid": { type: "string" },
      },
    });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), USAGE_EXIT);
  }
  const v = parsed.values;
  const integer = (name, value, min) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min) {
      fail(`--${name} needs an integer >= ${min}, got ${JSON.stringify(value)}`, USAGE_EXIT);
    }
    return Number(value);
  };
  const cookiePrefix = v["cookie-prefix"];
  // A cookie-name token (RFC 6265); better-auth would treat "" as absent.
  if (cookiePrefix !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(cookiePrefix)) {
    fail(
      `--cookie-prefix needs a cookie-name token, got ${JSON.stringify(cookiePrefix)}`,
      USAGE_EXIT,
    );
  }
  const genericOAuthURL = v["generic-oauth"];
  if (genericOAuthURL !== undefined && !URL.canParse(genericOAuthURL)) {
    fail(`--generic-oauth needs a URL, got ${JSON.stringify(genericOAuthURL)}`, USAGE_EXIT);
  }
  const port = integer("port", v.port, 0);
  if (port > 65535) fail(`--port out of range: ${port}`, USAGE_EXIT);
  return {
    port,
    secret: v.secret,
    baseURL: v["base-url"],
    database: v.database,
    maxSessions: integer("max-sessions", v["max-sessions"], 1),
    updateAge: integer("update-age", v["update-age"], 0),
    expiresIn: integer("expires-in", v["expires-in"], 1),
    secureCookies: v["secure-cookies"],
    cookiePrefix,
    trustedOrigins: v["trusted-origin"],
    rateLimit: v["rate-limit"],
    rateLimitStorage: v["rate-limit-storage"],
    requireEmailVerification: v["require-email-verification"],
    mailLog: v["mail-log"],
    cookieDomain: v["cookie-domain"],
    username: v.username,
    basePath: v["base-path"],
    twoFactor: v["two-factor"],
    twoFactorCookieMaxAge: integer("two-factor-cookie-max-age", v["two-factor-cookie-max-age"], 1),
    magicLink: v["magic-link"],
    emailOtp: v["email-otp"],
    genericOAuthURL,
    password: !v["no-password"],
    migrate: v.migrate,
    printMigrations: v["print-migrations"],
    parentPid: integer("parent-pid", v["parent-pid"], 1),
  };
}

// Returns {kind, database, close}: `database` is what better-auth's
// `database` option takes (memory adapter, better-sqlite3 handle, pg Pool).
async function openDatabase(spec) {
  if (spec === "memory") {
    const { memoryAdapter } = await import("better-auth/adapters/memory");
    const tables = { user: [], session: [], account: [], verification: [], twoFactor: [] };
    return { kind: "memory", database: memoryAdapter(tables), close: async () => {} };
  }
  if (spec.startsWith("sqlite:")) {
    const path = spec.slice("sqlite:".length);
    if (path === "") fail("--database sqlite: needs a file path", USAGE_EXIT);
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    return {
      kind: "sqlite",
      database: db,
      close: async () => {
        db.close();
      },
    };
  }
  if (spec.startsWith("postgres://") || spec.startsWith("postgresql://")) {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: spec, max: 10 });
    // An idle client losing its connection (e.g. the test database server
    // stopped first) must not crash the peer.
    pool.on("error", (err) => process.stderr.write(`server.mjs: pg pool: ${err.message}\n`));
    return {
      kind: "postgres",
      database: pool,
      close: async () => {
        await pool.end();
      },
    };
  }
  fail(
    `unsupported --database ${JSON.stringify(spec)} ` +
      "(use memory, sqlite:/path/file.db or postgres://...)",
    USAGE_EXIT,
  );
  return undefined;
}

function buildOptions(opts, database, baseURL, plugins) {
  const session = {};
  if (opts.updateAge !== undefined) session.updateAge = opts.updateAge;
  if (opts.expiresIn !== undefined) session.expiresIn = opts.expiresIn;
  const options = {
    baseURL,
    secret: opts.secret,
    database,
    plugins,
    emailAndPassword: {
      enabled: Boolean(opts.password),
      requireEmailVerification: Boolean(opts.requireEmailVerification),
    },
    emailVerification: {
      sendOnSignUp: Boolean(opts.requireEmailVerification),
      sendVerificationEmail: async ({ user, url, token }) =>
        mail(opts, { kind: "verify", to: user.email, url, token }),
    },
    session,
    telemetry: { enabled: false },
    logger: {
      level: "warn",
      disableColors: true,
      log: (level, message, ...args) => {
        const extra = args.length ? ` ${args.map((a) => String(a)).join(" ")}` : "";
        process.stderr.write(`[better-auth ${level}] ${message}${extra}\n`);
      },
    },
    advanced: { useSecureCookies: opts.secureCookies },
  };
  // better-auth's default prefix is "better-auth" when cookiePrefix is absent.
  if (opts.cookiePrefix !== undefined) options.advanced.cookiePrefix = opts.cookiePrefix;
  if (opts.trustedOrigins.length > 0) options.trustedOrigins = opts.trustedOrigins;
  if (opts.basePath !== undefined) options.basePath = opts.basePath;
  if (opts.cookieDomain !== undefined) {
    options.advanced.crossSubDomainCookies = { enabled: true, domain: opts.cookieDomain };
  }
  // Explicit either way: production mode would otherwise turn it on.
  options.rateLimit = { enabled: Boolean(opts.rateLimit), storage: opts.rateLimitStorage };
  return options;
}

// What would go out by email, for the tests to read (one JSON line each).
async function mail(opts, message) {
  if (opts.mailLog === undefined) return;
  const { appendFile } = await import("node:fs/promises");
  await appendFile(opts.mailLog, `${JSON.stringify(message)}\n`);
}

// --generic-oauth: the one provider, named as the site's sign-in page uses it.
const SSO_PROVIDER_ID = "test-sso";
const SSO_PROVIDER_NAME = "Test SSO";

function genericOAuthConfig(providerURL) {
  const base = providerURL.replace(/\/+$/, "");
  return {
    config: [
      {
        providerId: SSO_PROVIDER_ID,
        name: SSO_PROVIDER_NAME,
        clientId: "switcher-test",
        clientSecret: "switcher-test-secret",
        authorizationUrl: `${base}/authorize`,
        tokenUrl: `${base}/token`,
        userInfoUrl: `${base}/userinfo`,
        scopes: ["openid", "email", "profile"],
      },
    ],
  };
}

// The site's own pages (--generic-oauth), served beside better-auth at
// `authPath` (its mount path, e.g. "/api/auth"): path -> HTML.
function sitePages(authPath) {
  const page = (title, body, script) =>
    "<!doctype html>\n<html><head><meta charset=\"utf-8\">" +
    `<title>${title}</title></head>\n<body>\n${body}\n` +
    `<script>\nconst AUTH = ${JSON.stringify(authPath)};\n${script}</script>\n</body></html>\n`;
  const signIn = page(
    "Sign in",
    `<h1>Sign in</h1>\n<p id="status">Signing in with ${SSO_PROVIDER_NAME}...</p>\n` +
      `<button id="sso" type="button">Sign in with ${SSO_PROVIDER_NAME}</button>`,
    `const PROVIDER = ${JSON.stringify(SSO_PROVIDER_ID)};
async function signIn() {
  const status = document.getElementById("status");
  try {
    const answer = await fetch(AUTH + "/sign-in/social", {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({provider: PROVIDER, callbackURL: "/signed-in"}),
    });
    const body = await answer.json();
    if (!answer.ok || !body.url) {
      document.title = status.textContent =
        "Sign-in failed: " + answer.status + " " + JSON.stringify(body);
      return;
    }
    location.href = body.url;
  } catch (err) {
    document.title = status.textContent = "Sign-in failed: " + err;
  }
}
document.getElementById("sso").addEventListener("click", signIn);
signIn();
`,
  );
  const signedIn = page(
    "Signed in",
    '<h1>Welcome</h1>\n<p id="status">Checking the session...</p>\n<ul id="accounts"></ul>',
    `(async () => {
  const status = document.getElementById("status");
  const session = await (await fetch(AUTH + "/get-session")).json();
  if (!session || !session.user) {
    document.title = status.textContent = "Not signed in";
    return;
  }
  const list = document.getElementById("accounts");
  const sessions = await (await fetch(AUTH + "/multi-session/list-device-sessions")).json();
  for (const each of Array.isArray(sessions) ? sessions : []) {
    const item = document.createElement("li");
    item.textContent = each.user.email;
    list.append(item);
  }
  document.title = status.textContent = "Signed in as " + session.user.email;
})().catch((err) => {
  document.title = document.getElementById("status").textContent = "Session check failed: " + err;
});
`,
  );
  return new Map([
    ["/", signIn],
    ["/signed-in", signedIn],
  ]);
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve(server.address().port);
    });
  });
}

async function printMigrations(db, options) {
  const { getMigrations } = await import("better-auth/db/migration");
  const plan = await getMigrations(options, { throwOnUnsafe: false });
  const sql = await plan.compileMigrations();
  const line = JSON.stringify({
    database: db.kind,
    toBeCreated: plan.toBeCreated.map((t) => t.table),
    toBeAdded: plan.toBeAdded.map((t) => t.table),
    toBeAddedFields: Object.fromEntries(
      plan.toBeAdded.map((t) => [t.table, Object.keys(t.fields)]),
    ),
    toBeAddedIndexes: plan.toBeAddedIndexes.map((i) => i.name),
    unsafeChanges: plan.unsafeChanges,
    schemaProblems: plan.schemaProblems,
    sql,
  });
  await new Promise((resolve) => process.stdout.write(`${line}\n`, resolve));
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!process.env.NODE_ENV) process.env.NODE_ENV = "development";

  const db = await openDatabase(opts.database);
  const { betterAuth } = await import("better-auth");
  const { multiSession } = await import("better-auth/plugins/multi-session");
  const { toNodeHandler } = await import("better-auth/node");
  const extra = [];
  if (opts.username) {
    const { username } = await import("better-auth/plugins/username");
    extra.push(username());
  }
  if (opts.twoFactor) {
    const { twoFactor } = await import("better-auth/plugins/two-factor");
    extra.push(
      twoFactor({
        twoFactorCookieMaxAge: opts.twoFactorCookieMaxAge,
        otpOptions: {
          sendOTP: async ({ user, otp }) => mail(opts, { kind: "two-factor-otp", to: user.email, otp }),
        },
      }),
    );
  }
  if (opts.magicLink) {
    const { magicLink } = await import("better-auth/plugins/magic-link");
    extra.push(
      magicLink({
        sendMagicLink: async ({ email, url, token }) =>
          mail(opts, { kind: "magic-link", to: email, url, token }),
      }),
    );
  }
  if (opts.emailOtp) {
    const { emailOTP } = await import("better-auth/plugins/email-otp");
    extra.push(
      emailOTP({
        sendVerificationOTP: async ({ email, otp, type }) =>
          mail(opts, { kind: "email-otp", to: email, otp, type }),
      }),
    );
  }
  if (opts.genericOAuthURL !== undefined) {
    const { genericOAuth } = await import("better-auth/plugins/generic-oauth");
    extra.push(genericOAuth(genericOAuthConfig(opts.genericOAuthURL)));
  }
  const plugins = () => [multiSession({ maximumSessions: opts.maxSessions }), ...extra];

  if (opts.printMigrations) {
    if (db.kind === "memory") fail("--print-migrations needs an SQL database", USAGE_EXIT);
    const placeholder = opts.baseURL ?? "http://127.0.0.1:0";
    await printMigrations(db, buildOptions(opts, db.database, placeholder, plugins()));
    await db.close();
    return;
  }

  // Listen first (port 0 = any free port), then build better-auth with the
  // final base URL.  Nothing is announced before the handler is installed.
  let handler = null;
  let pages = null; // --generic-oauth: the site's own pages, outside better-auth
  const server = http.createServer((req, res) => {
    if (handler === null) {
      res.writeHead(503, { "content-type": "text/plain" }).end("starting\n");
      return;
    }
    const html = pages?.get(req.url.split("?")[0]);
    if (html !== undefined && (req.method === "GET" || req.method === "HEAD")) {
      const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
      res.writeHead(200, headers).end(req.method === "GET" ? html : undefined);
      return;
    }
    handler(req, res);
  });
  const port = await listen(server, opts.port);
  const baseURL = opts.baseURL ?? `http://127.0.0.1:${port}`;
  const options = buildOptions(opts, db.database, baseURL, plugins());

  if (opts.migrate && db.kind !== "memory") {
    const { getMigrations } = await import("better-auth/db/migration");
    const plan = await getMigrations(options);
    await plan.runMigrations();
  }

  const auth = betterAuth(options);
  if (opts.genericOAuthURL !== undefined) {
    // Where better-auth is mounted, as it resolved baseURL and basePath.
    const context = await auth.$context;
    pages = sitePages(new URL(context.baseURL).pathname.replace(/\/+$/, ""));
  }
  handler = toNodeHandler(auth);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    try {
      await db.close();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (opts.parentPid !== undefined) {
    // Exit when the process that started us (the test run) is gone.
    const watch = setInterval(() => {
      try {
        process.kill(opts.parentPid, 0);
      } catch (err) {
        if (err && err.code === "ESRCH") stop();
      }
    }, 1000);
    watch.unref();
  }

  await new Promise((resolve) => process.stdout.write(`READY http://127.0.0.1:${port}\n`, resolve));
}

main().catch((err) => {
  process.stderr.write(`server.mjs: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});
