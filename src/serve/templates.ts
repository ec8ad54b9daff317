// The only handlebars import: compiles views/ once and renders pages from view models. `{{ }}`
// escapes with lorekeeper's 7-bit escaping (escapeField): a field from mail reaches a page escaped
// unless it is an Html value made by a renderer in html/. Text templates (views/text/) are plain
// text and escape nothing; pages that show them escape the result.
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, basename } from 'node:path';
import { escapeField } from '../html/html.js';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

// Handlebars keeps one escaping function for every environment; lorekeeper is its only user here.
Handlebars.Utils.escapeExpression = escapeField as (s: string) => string;

const hbs = Handlebars.create();
const pages = new Map<string, Handlebars.TemplateDelegate>();
const texts = new Map<string, Handlebars.TemplateDelegate>();

/** Every byte of a template is output: no standalone-line or partial-indent rules, no missing fields. */
const WHITESPACE_EXACT: Parameters<typeof Handlebars.compile>[1] = {
  strict: true,
  ignoreStandalone: true,
  preventIndent: true,
};

/** Templates are whitespace-exact (public-inbox puts newlines inside tags): one final newline is dropped. */
const source = (file: string) => readFileSync(file, 'utf8').replace(/\n$/, '');
const templatesIn = (dir: string, ext: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => ({ name: basename(f, ext), file: join(dir, f) }));

// the block N times (a nested thread closes N levels of lists at once)
hbs.registerHelper('repeat', function (this: unknown, n: number, options: Handlebars.HelperOptions) {
  let out = '';
  for (let i = 0; i < n; i++) out += options.fn(this);
  return out;
});
for (const { name, file } of templatesIn(join(VIEWS_DIR, 'partials'), '.hbs')) hbs.registerPartial(name, source(file));
for (const { name, file } of templatesIn(VIEWS_DIR, '.hbs')) {
  pages.set(name, hbs.compile(source(file), WHITESPACE_EXACT));
}
for (const { name, file } of templatesIn(join(VIEWS_DIR, 'text'), '.txt')) {
  texts.set(name, hbs.compile(source(file), { ...WHITESPACE_EXACT, noEscape: true }));
}

function lookup(map: Map<string, Handlebars.TemplateDelegate>, name: string): Handlebars.TemplateDelegate {
  const t = map.get(name);
  if (!t) throw new Error(`no template ${name}`);
  return t;
}

/** A page (HTML, or Atom XML) from views/NAME.hbs. */
export function render(name: string, model: object): string {
  return lookup(pages, name)(model);
}

/** Plain text from views/text/NAME.txt, nothing escaped. */
export function renderText(name: string, model: object): string {
  return lookup(texts, name)(model);
}

/** A static file shipped beside the templates (the stylesheet). */
export function staticFile(name: string): Buffer {
  return readFileSync(join(VIEWS_DIR, 'static', name));
}
