// A real OpenID provider (node-oidc-provider) for covenant-server's OIDC tests.
//
//   node provider.mjs --port PORT --redirect-uri URI
//
// Listens on 127.0.0.1:PORT (PORT 0 picks a free port, which avoids the race
// of a parent choosing a port and freeing it before we bind). Prints
// `issuer http://127.0.0.1:<port>` and then `ready` on stdout once listening.
// Exits when stdin closes so that a test process that dies without running
// its destructors does not leave the provider behind.
//
// Interaction protocol (stands in for a login page; kept trivial so a test can
// drive it without parsing HTML):
//   GET  /interaction/:uid        login prompt -> 200 with a small HTML form
//                                 consent prompt -> auto-approved, 303 onward
//   POST /interaction/:uid/login  form field `account` -> logs in as that
//                                 account, 303 back to the authorization
//                                 endpoint
// Every account exists; its claims are email `<account>@example.test`
// (email_verified true) and name `Test User <account>`.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'redirect-uri': { type: 'string' },
  },
});
if (!args['redirect-uri']) {
  console.error('usage: node provider.mjs --port PORT --redirect-uri URI');
  process.exit(2);
}
const port = Number.parseInt(args.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${args.port}`);
  process.exit(2);
}

const ACCOUNT_RE = /^[A-Za-z0-9._-]{1,64}$/;

// A fresh signing key per run: the client must fetch it from the JWKS
// endpoint, which is exactly what we want the tests to exercise.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomUUID(),
  alg: 'RS256',
  use: 'sig',
};

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function configuration() {
  return {
    clients: [
      {
        client_id: 'covenant',
        client_secret: 'covenant-test-secret',
        redirect_uris: [args['redirect-uri']],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        // The default; spelled out because the Rust client picks basic auth
        // when the provider advertises it.
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    // Explicit, so the provider does not print a notice per artifact kind.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
    cookies: { keys: [randomUUID()] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Confidential clients do not need PKCE by default; the requirement under
    // test is that ours always uses it, so make its absence an error.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async findAccount(_ctx, sub) {
      if (!ACCOUNT_RE.test(sub)) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: `${sub}@example.test`,
            email_verified: true,
            name: `Test User ${sub}`,
          };
        },
      };
    },
    renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}\n`;
    },
  };
}

function interactionRoutes(provider) {
  return async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!m) return next();
    ctx.set('cache-control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== m[1]) ctx.throw(400, 'interaction uid mismatch');
    const { prompt, params, session } = details;

    if (!m[2] && ctx.method === 'GET') {
      if (prompt.name === 'login') {
        ctx.type = 'html';
        ctx.body = `<!doctype html><title>Test login</title>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
<label>Account <input name="account" autofocus></label>
<button type="submit">Sign in</button></form>\n`;
        return undefined;
      }
      if (prompt.name === 'consent') {
        // First-party client: approve whatever was requested.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const d = prompt.details;
        if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
        if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        const redirectTo = await provider.interactionResult(
          ctx.req,
          ctx.res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        ctx.status = 303;
        ctx.redirect(redirectTo);
        return undefined;
      }
      ctx.throw(400, `unsupported prompt ${prompt.name}`);
    }

    if (m[2] && ctx.method === 'POST') {
      if (prompt.name !== 'login') ctx.throw(400, 'not a login prompt');
      const form = await readForm(ctx.req);
      const account = form.get('account') ?? '';
      if (!ACCOUNT_RE.test(account)) ctx.throw(400, 'invalid account');
      const redirectTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: account } },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(redirectTo);
      return undefined;
    }

    ctx.throw(405);
    return undefined;
  };
}

const server = http.createServer();
server.on('error', (err) => {
  console.error(`provider: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  for (const event of ['server_error', 'grant.error', 'authorization.error', 'userinfo.error']) {
    provider.on(event, (_ctx, err) => {
      console.error(`provider ${event}: ${err.name}: ${err.message} ${err.error_detail ?? ''}`);
    });
  }
  provider.use(interactionRoutes(provider));
  server.on('request', provider.callback());
  process.stdout.write(`issuer ${issuer}\nready\n`);
});

// A parent that stopped reading our stdout must not crash us with EPIPE.
process.stdout.on('error', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
