// Expands a crate as JSON-LD, RO-Crate 1.1's context served from the copy the ro-crate package
// carries (no network), and returns what the processor warned of: a property or type no context
// defines (which a lenient expansion drops silently), a relative type, a malformed node. Safe
// mode would be the same but for RO-Crate 1.1's own context, whose `@label` term it refuses.
// The crate's own paths (relative @ids) resolve against an arcp: base, as RO-Crate 1.1 has a
// consumer do.
import jsonld from 'jsonld';
// @ts-expect-error: the package ships no types for its defaults.
import defaults from 'ro-crate/lib/defaults.js';

const CONTEXTS = (defaults as { standardContexts: Record<string, object> }).standardContexts;

type JsonLdEvent = { code: string; level: string; message: string; details?: Record<string, unknown> };

export async function expandWithWarnings(doc: object): Promise<{ expanded: object[]; warnings: JsonLdEvent[] }> {
  const warnings: JsonLdEvent[] = [];
  const options = {
    base: 'arcp://name,allgo-test-crate/',
    documentLoader: async (url: string) => {
      const document = CONTEXTS[url];
      if (!document) throw new Error(`no local copy of the context ${url}`);
      return { contextUrl: undefined, document, documentUrl: url };
    },
    eventHandler: ({ event }: { event: JsonLdEvent }) => {
      const fromTheContext = event.code === 'reserved term' && event.details?.term === '@label';
      if (!fromTheContext) warnings.push(event);
    },
  };
  const expanded = (await jsonld.expand(doc as jsonld.JsonLdDocument, options as unknown as jsonld.Options.Expand)) as object[];
  return { expanded, warnings };
}
