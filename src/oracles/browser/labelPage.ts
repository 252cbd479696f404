/**
 * The labeling page: one HTML document with its style and script inlined (so the page needs
 * no other request than the API's), read once from the files beside this module in `page/`.
 */
import { readFileSync } from 'node:fs';

let html: string | undefined;

/**
 * The page's HTML.
 * @returns the document, with label.css and label.js inlined
 */
export const labelPageHtml = (): string => {
  if (html === undefined) {
    const read = (name: string): string => readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
    html = read('label.html')
      .replace('/*STYLE*/', () => read('label.css'))
      .replace('/*SCRIPT*/', () => read('label.js'));
  }
  return html;
};
