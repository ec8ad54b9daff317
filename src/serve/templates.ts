// The only handlebars import: compiles views/*.hbs once and renders pages from view models.
// View models carry HTML that is already escaped in fields named *Html, rendered with {{{ }}};
// anything else goes through handlebars' own escaping.
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, basename } from 'node:path';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

const hbs = Handlebars.create();
const templates = new Map<string, Handlebars.TemplateDelegate>();

for (const file of readdirSync(join(VIEWS_DIR, 'partials'))) {
  if (file.endsWith('.hbs'))
    hbs.registerPartial(
      basename(file, '.hbs'),
      readFileSync(join(VIEWS_DIR, 'partials', file), 'utf8').replace(/\n$/, ''),
    );
}
for (const file of readdirSync(VIEWS_DIR)) {
  if (file.endsWith('.hbs')) {
    templates.set(
      basename(file, '.hbs'),
      hbs.compile(readFileSync(join(VIEWS_DIR, file), 'utf8').replace(/\n$/, ''), { strict: true }),
    );
  }
}

export function render(name: string, model: object): string {
  const t = templates.get(name);
  if (!t) throw new Error(`no template ${name}`);
  return t(model);
}

/** A static file shipped beside the templates (the stylesheet). */
export function staticFile(name: string): Buffer {
  return readFileSync(join(VIEWS_DIR, 'static', name));
}
