// The base of every link an answer carries (job, file, app and git URLs). ALLGO_PUBLIC_URL when
// set; otherwise the address the caller used, from its Host header, so a colleague on another
// machine gets links that work. X-Forwarded-Proto/-Host count only when `trust_proxy` says a
// proxy in front sets them (Fastify's trustProxy): anyone else could forge them.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Base URL for links in this answer, without a trailing slash. */
    readonly publicUrl: string;
  }
}

/** What link builders need: the base links are made from (a request, or a fixed URL). */
export interface LinkBase {
  readonly publicUrl: string;
}

export const publicUrl = fp<{ configured: string | null }>(
  async (app, { configured }) => {
    app.decorateRequest('publicUrl', {
      getter(this: FastifyRequest) {
        return configured ?? `${this.protocol}://${this.host}`;
      },
    });
  },
  { name: 'allgo-public-url', fastify: '5.x' },
);
