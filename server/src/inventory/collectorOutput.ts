// Splits the raw output of collector.sh into its sections. Format (version 1):
//   #LDI-COLLECTOR 1
//   #LDI-BEGIN <section>          (the name is everything after "#LDI-BEGIN ")
//   <body: the command's stdout, verbatim>
//   #LDI-END <section> rc=<n>     (preceded by one newline the script adds)
//   #LDI-ERR <section> <line>     (zero or more, right after END)
//   #LDI-ABSENT <section> <tool>  (instead of BEGIN/END)
//   #LDI-DONE
// A body is everything up to the first "\n#LDI-END <same name> rc=<digits>\n", so
// marker-like lines inside a body never end it early unless they repeat that exact text.

export interface CollectorSection {
  name: string;
  /** The command's stdout, byte for byte (as UTF-8 text). Empty for an absent tool. */
  body: string;
  /** The command's exit status; null for an absent tool or an unreadable status. */
  rc: number | null;
  /** The command's non-empty stderr lines. */
  stderr: string[];
  /** Set when the tool is not installed on the host: the tool's name (or the missing directory). */
  absent?: string;
}

export interface CollectorOutput {
  /** The format version from the header; 0 when no "#LDI-COLLECTOR" header was found. */
  version: number;
  sections: Map<string, CollectorSection>;
  /** True when the "#LDI-DONE" sentinel was seen: the script ran to its end. */
  complete: boolean;
}

const HEADER = '#LDI-COLLECTOR ';
const BEGIN = '#LDI-BEGIN ';
const END = '#LDI-END ';
const ERR = '#LDI-ERR ';
const ABSENT = '#LDI-ABSENT ';
const DONE = '#LDI-DONE';

/** True when the text starts with the collector's header line (a BOM is tolerated). */
export function isCollectorOutput(text: string): boolean {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return text.startsWith(HEADER, start);
}

/** Index of the first line that starts with `prefix`, or -1. */
function findLineStart(raw: string, prefix: string): number {
  if (raw.startsWith(prefix)) return 0;
  if (raw.charCodeAt(0) === 0xfeff && raw.startsWith(prefix, 1)) return 1;
  const i = raw.indexOf(`\n${prefix}`);
  return i < 0 ? -1 : i + 1;
}

/**
 * Finds the END line of a section: `marker` ("\n#LDI-END <name> rc=") followed by
 * digits and a line end. Occurrences followed by anything else are body text.
 * Returns undefined when the stream ends before a whole END line.
 */
function findEnd(raw: string, marker: string, from: number, nl: string): { at: number; rc: number | null; next: number } | undefined {
  for (;;) {
    const at = raw.indexOf(marker, from);
    if (at < 0) return undefined;
    let j = at + marker.length;
    const digitsStart = j;
    while (j < raw.length && j - digitsStart < 16) {
      const c = raw.charCodeAt(j);
      if (c < 48 || c > 57) break;
      j++;
    }
    if (j === raw.length) return undefined; // the END line itself is cut off
    if (j > digitsStart && raw.startsWith(nl, j)) {
      const digits = raw.slice(digitsStart, j);
      return { at, rc: digits.length <= 9 ? Number(digits) : null, next: j + nl.length };
    }
    if (j > digitsStart && nl === '\r\n' && j + 1 === raw.length && raw.charCodeAt(j) === 13) return undefined;
    from = at + 1;
  }
}

/**
 * Splits collector output into sections. Never throws: on garbage or a cut-off
 * stream it returns the sections that were whole and complete: false. Text before
 * the header (e.g. a login banner) is ignored. Linear in the input's length.
 */
export function splitCollectorOutput(raw: string): CollectorOutput {
  const result: CollectorOutput = { version: 0, sections: new Map(), complete: false };
  if (typeof raw !== 'string') return result;
  const headerAt = findLineStart(raw, HEADER);
  if (headerAt < 0) return result;
  let eol = raw.indexOf('\n', headerAt);
  if (eol < 0) eol = raw.length;
  let header = raw.slice(headerAt + HEADER.length, eol);
  // A file saved with CRLF line ends: markers end with \r\n, and so does the added newline.
  const crlf = header.endsWith('\r');
  if (crlf) header = header.slice(0, -1);
  if (!/^\d+$/.test(header)) return result;
  result.version = Number(header);
  const nl = crlf ? '\r\n' : '\n';

  let last: CollectorSection | undefined;
  let pos = eol + 1;
  while (pos < raw.length) {
    let next = raw.indexOf('\n', pos);
    const terminated = next >= 0;
    if (!terminated) next = raw.length;
    let line = raw.slice(pos, next);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = next + 1;

    if (line.startsWith(BEGIN)) {
      if (!terminated) break;
      const name = line.slice(BEGIN.length);
      const marker = `${nl}${END}${name} rc=`;
      // With an empty body the added newline comes right away, so search from
      // the body's first character (the start of the marker's newline).
      const bodyStart = pos;
      const end = findEnd(raw, marker, bodyStart, nl);
      if (!end) break; // cut off inside this section
      const section: CollectorSection = {
        name,
        body: raw.slice(bodyStart, end.at),
        rc: end.rc,
        stderr: [],
      };
      result.sections.set(name, section);
      last = section;
      pos = end.next;
      continue;
    }
    if (!terminated && line !== DONE) break; // a partial marker line at the very end
    if (line === DONE) {
      result.complete = true;
      break;
    }
    if (line.startsWith(ERR)) {
      const rest = line.slice(ERR.length);
      let target: CollectorSection | undefined;
      let text: string;
      if (last && (rest === last.name || rest.startsWith(`${last.name} `))) {
        target = last;
        text = rest.slice(last.name.length + 1);
      } else {
        const sp = rest.indexOf(' ');
        target = result.sections.get(sp < 0 ? rest : rest.slice(0, sp));
        text = sp < 0 ? '' : rest.slice(sp + 1);
      }
      target?.stderr.push(text);
      continue;
    }
    if (line.startsWith(ABSENT)) {
      const rest = line.slice(ABSENT.length);
      const sp = rest.lastIndexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      const section: CollectorSection = { name, body: '', rc: null, stderr: [], absent: sp < 0 ? '' : rest.slice(sp + 1) };
      result.sections.set(name, section);
      last = section;
      continue;
    }
    // Anything else between sections is noise: ignored.
  }
  return result;
}
