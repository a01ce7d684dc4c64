/** SARIF 2.1.0 for code-scanning UIs: one run, the finding codes as rules, fixes as replacements. */
import { ALL_CODES, CODES } from '../rules/codes';
import type { Finding, Severity } from '../rules/types';
import type { LineIndex } from '../xml/lineIndex';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export interface SarifFile {
  /** Path relative to the working directory, with forward slashes. */
  uri: string;
  findings: Finding[];
  lines: LineIndex;
}

function region(lines: LineIndex, start: number, end: number) {
  const s = lines.positionAt(start);
  const e = lines.positionAt(end);
  return { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
}

export function toSarif(files: SarifFile[], version: string): object {
  const results = files.flatMap((f) =>
    f.findings.map((x) => {
      const location = { artifactLocation: { uri: f.uri }, region: region(f.lines, x.start, x.end) };
      const preferred = x.fixes.find((fx) => fx.preferred);
      return {
        ruleId: x.code,
        ruleIndex: ALL_CODES.indexOf(x.code),
        level: LEVEL[x.severity],
        message: { text: x.message },
        locations: [{ physicalLocation: location }],
        ...(preferred
          ? {
              fixes: [
                {
                  description: { text: preferred.title },
                  artifactChanges: [
                    {
                      artifactLocation: { uri: f.uri },
                      replacements: preferred.edits.map((e) => ({
                        deletedRegion: region(f.lines, e.start, e.end),
                        insertedContent: { text: e.newText },
                      })),
                    },
                  ],
                },
              ],
            }
          : {}),
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'libvirt-domain-lint',
            version,
            rules: ALL_CODES.map((id) => ({
              id,
              name: id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: CODES[id].title },
              fullDescription: { text: CODES[id].doc.replace(/\*\*|`/g, '') },
              help: { text: CODES[id].doc.replace(/\*\*|`/g, ''), markdown: CODES[id].doc },
              defaultConfiguration: { level: LEVEL[CODES[id].severity] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
