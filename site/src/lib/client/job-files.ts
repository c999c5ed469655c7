// The job page's file lists: inputs apart from outputs, each output with a preview (the first
// KB of a text file, shown as text; an image inline).
import { formatSize } from '../format.js';

export interface JobFile {
  name: string;
  size: number;
  url: string;
  kind: 'input' | 'output' | 'log';
}

const TEXT = /\.(txt|log|csv|tsv|json|md|sam|vcf|fa|fasta|fastq|bed|gff|yaml|yml|xml|html?)$/i;
const IMAGE = /\.(png|jpe?g|gif|webp)$/i;
const PREVIEW_BYTES = 1024;

export function splitFiles(files: JobFile[]): { inputs: JobFile[]; outputs: JobFile[] } {
  return { inputs: files.filter((f) => f.kind === 'input'), outputs: files.filter((f) => f.kind !== 'input') };
}

export function fileRow(f: JobFile, preview: boolean): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const name = document.createElement('td');
  name.append(Object.assign(document.createElement('a'), { href: f.url, textContent: f.name, download: f.name }));
  // The log has its own pane below.
  if (preview && f.kind !== 'log' && f.size > 0) {
    if (IMAGE.test(f.name)) name.append(Object.assign(document.createElement('img'), { src: f.url, alt: `Preview of ${f.name}`, loading: 'lazy', className: 'preview' }));
    else if (TEXT.test(f.name)) {
      const pre = Object.assign(document.createElement('pre'), { className: 'preview' });
      pre.dataset.preview = f.name;
      name.append(pre);
      void firstBytes(f.url, PREVIEW_BYTES).then((text) => {
        pre.textContent = f.size > PREVIEW_BYTES ? `${text}\n… (${formatSize(f.size)} in all: download it for the rest)` : text;
      });
    }
  }
  const size = document.createElement('td');
  size.textContent = formatSize(f.size);
  tr.append(name, size);
  return tr;
}

/** The start of a file as text, reading no more of it than `max` bytes. */
async function firstBytes(url: string, max: number): Promise<string> {
  try {
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    let got = 0;
    while (got < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
    }
    await reader.cancel();
    const all = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all.subarray(0, max));
  } catch {
    return '(no preview)';
  }
}
