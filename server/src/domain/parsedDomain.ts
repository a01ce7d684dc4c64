/**
 * A domain definition parsed once: the positioned tree and its model, kept for the host definitions
 * parsed last. A host's definitions are parsed when its inventory is read (the snapshot's disk
 * lists) and again when each is checked (the fleet audit, a host document opened): the same string
 * both times, so the second parse is a lookup. Only the inventory's parse keeps what it parsed
 * (`keep`): a document linted once (the CLI over a directory) is not held, since every tree kept
 * alive is copied by each young-generation GC (measured: 100 ms of a 620 ms corpus lint). Pure (the
 * result depends only on the text); bounded in count and size. Callers must not change what they
 * get (it is shared).
 */
import { parseXml, type XmlDocument } from '../xml/parse';
import { buildDomainModel, type DomainModel } from './model';

export interface ParsedDomainXml {
  doc: XmlDocument;
  /** The model, when the root is `<domain>`. */
  model?: DomainModel;
}

/** Texts kept: more than one host's domains (a fleet host has tens), a few MiB at most. */
const KEPT = 256;
/** Larger texts are parsed each time (an editor's large document changes with every keystroke). */
const KEPT_MAX_CHARS = 64 * 1024;

const recent = new Map<string, ParsedDomainXml>();

export function parseDomainXml(text: string, keep = false): ParsedDomainXml {
  const hit = recent.size ? recent.get(text) : undefined;
  if (hit) return hit;
  const doc = parseXml(text);
  const model = doc.root ? buildDomainModel(doc) : undefined;
  const parsed: ParsedDomainXml = model ? { doc, model } : { doc };
  if (keep && text.length <= KEPT_MAX_CHARS) {
    recent.set(text, parsed);
    if (recent.size > KEPT) recent.delete(recent.keys().next().value!);
  }
  return parsed;
}
