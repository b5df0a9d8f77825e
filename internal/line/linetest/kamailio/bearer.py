# KEMI routing for kamailio.cfg: a registrar that accepts only REGISTER
# requests carrying an OAuth 2.0 bearer token (RFC 8898 section 2).
#
# Without a token it challenges with
#   WWW-Authenticate: Bearer realm="…", authz_server="<issuer>"
# and with a token it checks the JWT: signature from the issuer's JWKS (found
# through its discovery document), iss, aud and exp. A token that fails is
# answered 401 with error="invalid_token"; a valid token for another account
# than the To URI is answered 403. Tokens are never logged.

import json
import os
import urllib.request

import jwt
import KSR

ISSUER = os.environ["LINE_ISSUER"]
AUDIENCE = os.environ["LINE_AUDIENCE"]
REALM = os.environ.get("LINE_REALM", "acme.test")

_jwks = None


def jwks_client():
    global _jwks
    if _jwks is None:
        url = ISSUER.rstrip("/") + "/.well-known/openid-configuration"
        with urllib.request.urlopen(url, timeout=5) as res:
            disc = json.load(res)
        if disc.get("issuer") != ISSUER:
            raise ValueError("discovery issuer mismatch")
        _jwks = jwt.PyJWKClient(disc["jwks_uri"], cache_keys=True)
    return _jwks


def verify(token):
    key = jwks_client().get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["RS256", "ES256"],
                      audience=AUDIENCE, issuer=ISSUER,
                      options={"require": ["exp", "iss", "aud"]})


def challenge(error):
    value = 'Bearer realm="%s", authz_server="%s"' % (REALM, ISSUER)
    if error:
        value += ', error="%s"' % error
    KSR.hdr.append_to_reply("WWW-Authenticate: %s\r\n" % value)
    KSR.sl.sl_send_reply(401, "Unauthorized")


def bearer_token():
    value = KSR.pv.get("$hdr(Authorization)")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def mod_init():
    return kamailio()


class kamailio:
    def __init__(self):
        pass

    def child_init(self, rank):
        return 0

    def ksr_request_route(self, msg):
        if KSR.maxfwd.process_maxfwd(10) < 0:
            KSR.sl.sl_send_reply(483, "Too Many Hops")
            return 1
        if KSR.pv.get("$rm") != "REGISTER":
            KSR.sl.sl_send_reply(405, "Method Not Allowed")
            return 1
        token = bearer_token()
        if token is None:
            challenge(None)
            return 1
        try:
            claims = verify(token)
        except Exception as e:
            KSR.info("line test registrar: token refused: %s\n" % type(e).__name__)
            challenge("invalid_token")
            return 1
        aor = "%s@%s" % (KSR.pv.get("$tU"), KSR.pv.get("$td"))
        if str(claims.get("email", "")).lower() != aor.lower():
            KSR.sl.sl_send_reply(403, "Forbidden")
            return 1
        if KSR.registrar.save("location", 0) < 0:
            KSR.sl.sl_reply_error()
        return 1
