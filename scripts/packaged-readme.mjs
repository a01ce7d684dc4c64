// The README as it goes into the .vsix (vsce --readme-path): each picture inlined as a data: URI.
// VS Code's extension page renders the packaged readme.md in a webview whose policy allows only
// https: and data: images, and there is no https address for this project's pictures: a relative
// `images/x.png` showed as a broken image. Run by `npm run package`; writes dist/readme.md.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif' };

/**
 * `readme` with every relative image (Markdown `![alt](path)` or HTML `<img src="path">`) replaced by
 * a data: URI of the file `readFile(path)` returns. https and data: images are kept; any other
 * image is an error naming it (the page would not show it).
 */
export function packagedReadme(readme, readFile) {
  const inline = (src) => {
    if (/^(https:|data:)/i.test(src)) return src;
    const mime = MIME[extname(src).toLowerCase()];
    if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('/') || src.includes('..') || !mime)
      throw new Error(
        `README.md: the image ${JSON.stringify(src)} cannot be shown on the extension page (a relative .png, .jpg or .gif, or https:)`,
      );
    return `data:${mime};base64,${readFile(src).toString('base64')}`;
  };
  return readme
    .replace(/(!\[[^\]]*\]\()([^)\s]+)(\))/g, (_, open, src, close) => open + inline(src) + close)
    .replace(/(<img\b[^>]*\bsrc=")([^"]+)(")/gi, (_, open, src, close) => open + inline(src) + close);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const out = join(root, 'dist', 'readme.md');
  mkdirSync(dirname(out), { recursive: true });
  const text = packagedReadme(readFileSync(join(root, 'README.md'), 'utf8'), (p) => readFileSync(join(root, p)));
  writeFileSync(out, text);
  console.log(`dist/readme.md: ${Math.round(text.length / 1024)} KiB, pictures inlined`);
}
