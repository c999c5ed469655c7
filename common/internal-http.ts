// What allgo's own parts send each other over HTTP, beside the routes themselves.

/** Carries a Signer signature (server/signer.ts): a header, so no URL and no access log holds it. */
export const SIGNATURE_HEADER = 'x-allgo-signature';
