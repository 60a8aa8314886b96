/** Bearer-token auth: the token's sha256 compared in constant time (crypto.timingSafeEqual). */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export type AuthResult = { ok: true } | { ok: false; message: string };

export function makeTokenCheck(token: string): (authorization: string | undefined) => AuthResult {
  const want = digest(token);
  return (authorization) => {
    if (!authorization) return { ok: false, message: 'missing Authorization header: send Authorization: Bearer <token>' };
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!m) return { ok: false, message: 'the Authorization header is not "Bearer <token>"' };
    return timingSafeEqual(digest(m[1]!), want) ? { ok: true } : { ok: false, message: 'invalid token' };
  };
}
