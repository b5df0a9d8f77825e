// An oidc-provider on loopback for Dialtone's tests, started by
// dialtone/auth/authtest (node.go), which passes its configuration as JSON in
// the AUTHTEST_CONFIG environment variable:
//
//   { issuer, adminToken, idTokenClaims, clientAuthMethods?, clients: [client metadata],
//     users: [{ sub, email, email_verified, name, password }] }
//
// It listens on a free 127.0.0.1 port, prints "READY http://127.0.0.1:PORT" on stdout, and
// exits when its standard input closes (the Go test process ended). The Go side puts a front
// on the issuer's address and proxies to this port.
//
// The login and consent pages are oidc-provider's own devInteractions. They accept any
// password and take the typed login as the account id; the middleware below checks the
// password and turns the email address into the user's subject first.

import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(process.env.AUTHTEST_CONFIG ?? '{}');
const users = config.users ?? [];

// store holds every model oidc-provider saves, so that revokeAll can find them.
const store = new Map();

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(this.key(id), { model: this.model, payload, expiresAt });
  }

  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findBy(field, value) {
    for (const [key, entry] of store) {
      if (entry.model === this.model && entry.payload[field] === value) {
        return this.find(key.slice(this.model.length + 1));
      }
    }
    return undefined;
  }

  async findByUid(uid) {
    return this.findBy('uid', uid);
  }

  async findByUserCode(userCode) {
    return this.findBy('userCode', userCode);
  }

  async consume(id) {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const [key, entry] of store) {
      if (entry.model === this.model && entry.payload.grantId === grantId) store.delete(key);
    }
  }
}

// revokeAll forgets every grant, token and sign-in session, as disabling a user would.
const revocable = new Set(['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode']);
function revokeAll() {
  let revoked = 0;
  for (const [key, entry] of store) {
    if (revocable.has(entry.model)) {
      store.delete(key);
      revoked += 1;
    }
  }
  return revoked;
}

function findAccount(_ctx, id) {
  const user = users.find((u) => u.sub === id);
  if (!user) return undefined;
  return {
    accountId: user.sub,
    claims: () => ({
      sub: user.sub, email: user.email, email_verified: user.email_verified, name: user.name,
    }),
  };
}

// lineResourceIndicators lets a client ask, at authorization and on refresh,
// for a JWT access token for the phone line (config.lineResource, RFC 8707).
// The code exchange asks for none, so its token still serves userinfo.
function lineResourceIndicators() {
  if (!config.lineResource) return { enabled: false };
  return {
    enabled: true,
    defaultResource: () => undefined,
    useGrantedResource: () => false,
    getResourceServerInfo: (_ctx, resource) => {
      if (resource !== config.lineResource) throw new errors.InvalidTarget();
      return {
        scope: 'openid email profile offline_access',
        audience: resource,
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'authtest', use: 'sig', alg: 'RS256' };

const provider = new Provider(config.issuer, {
  adapter: MapAdapter,
  clients: config.clients,
  findAccount,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  conformIdTokenClaims: !config.idTokenClaims,
  // Only these client authentication methods are advertised and accepted, when the test says.
  ...(config.clientAuthMethods ? { clientAuthMethods: config.clientAuthMethods } : {}),
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: lineResourceIndicators(),
  },
  // The line's JWT access tokens carry the user's email, which the
  // registrar matches with the address of record.
  extraTokenClaims: (_ctx, token) => {
    const user = users.find((u) => u.sub === token.accountId);
    return token.aud && user ? { email: user.email } : undefined;
  },
  pkce: { required: () => true },
  // A native app makes no cross-origin browser requests.
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Grant: 3600,
    Session: 3600,
    RefreshToken: 3600,
  },
});

// checkPassword runs before devInteractions' login submit (POST /interaction/:uid with
// prompt=login): a wrong password goes back to the login form; a right one is handed on
// with the user's subject as the login.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
  if (body.prompt === 'login') {
    const user = users.find((u) => u.email === body.login);
    if (!user || !samePassword(user.password, body.password ?? '')) {
      ctx.status = 303;
      ctx.redirect(ctx.path);
      return undefined;
    }
    body.login = user.sub;
  }
  ctx.req.body = body; // oidc-provider's body parser reads this once the stream is consumed
  return next();
});

function samePassword(want, got) {
  const a = Buffer.from(want);
  const b = Buffer.from(got);
  return a.length === b.length && timingSafeEqual(a, b);
}

const callback = provider.callback();

// handle serves the admin route on this (unproxied) port, and the provider.
function handle(req, res) {
  if (req.url !== '/__authtest/revoke-all') return callback(req, res);
  if (req.method !== 'POST' || !samePassword(`Bearer ${config.adminToken}`, req.headers.authorization ?? '')) {
    res.writeHead(403).end();
    return undefined;
  }
  const revoked = revokeAll();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ revoked }));
  return undefined;
}

const server = createServer(handle);
server.listen(0, '127.0.0.1', () => {
  console.log(`READY http://127.0.0.1:${server.address().port}`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
