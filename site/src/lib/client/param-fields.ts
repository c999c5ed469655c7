// The run form's fields for a version's typed parameters, built in the browser from the same
// declaration the server checks against (GET /api/v1/apps/NAME's `parameters`, or the catalog's
// copy): a labelled field per parameter with its help; HTML constraints stating the server's
// rules (min, max, step, minlength, maxlength, pattern, required, accept); selects for choices,
// checkboxes for booleans, password fields for secrets; each `group` folded in a <details>.
// A list is a textarea, one value per line (files: a multiple picker). Each field has a slot
// beside it for the browser's or the server's refusal.
import type { AppVersion } from '../../../../client/browser/types';

export type Parameter = AppVersion['parameters'][number];
/** A value as the API takes it, or the chosen file(s) of a file parameter. */
export type FieldValue = string | boolean | string[] | File | File[];

const choiceOf = (c: NonNullable<Parameter['choices']>[number]): { value: string; label: string } => (typeof c === 'string' ? { value: c, label: c } : { value: c.value, label: c.label ?? c.value });

const fieldId = (p: Parameter): string => `param-${p.id}`;

function control(p: Parameter): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const def = p.default;
  if (p.type === 'enum' && !p.list) {
    const select = document.createElement('select');
    if (!p.required && def === undefined) select.append(new Option('(not set)', ''));
    for (const c of (p.choices ?? []).map(choiceOf)) select.append(new Option(c.label === c.value ? c.value : `${c.label} (${c.value})`, c.value, c.value === def, c.value === def));
    select.required = !!p.required;
    return select;
  }
  if (p.list && p.type !== 'file') {
    const area = document.createElement('textarea');
    area.rows = 3;
    area.placeholder = 'one value per line';
    if (Array.isArray(def)) area.value = def.join('\n');
    area.required = !!p.required;
    return area;
  }
  const input = document.createElement('input');
  switch (p.type) {
    case 'boolean':
      input.type = 'checkbox';
      input.checked = def === true;
      return input;
    case 'integer':
    case 'number':
      input.type = 'number';
      input.step = p.type === 'integer' ? '1' : 'any';
      if (p.minimum !== undefined) input.min = String(p.minimum);
      if (p.maximum !== undefined) input.max = String(p.maximum);
      break;
    case 'file':
      input.type = 'file';
      input.multiple = !!p.list;
      if (p.accept) input.accept = p.accept.join(',');
      break;
    default:
      input.type = p.secret ? 'password' : 'text';
      input.autocomplete = 'off';
      input.spellcheck = false;
      if (p.min_length !== undefined) input.minLength = p.min_length;
      if (p.max_length !== undefined) input.maxLength = p.max_length;
      // HTML anchors a pattern; the server's (JSON Schema) does not: allow anything around it.
      if (p.pattern !== undefined) input.pattern = `.*(?:${p.pattern}).*`;
  }
  if (def !== undefined && p.type !== 'file') input.value = String(def);
  input.required = !!p.required;
  return input;
}

function field(p: Parameter): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = p.type === 'boolean' ? 'field check' : 'field';
  wrap.dataset.param = p.id;
  const c = control(p);
  c.id = fieldId(p);
  c.name = p.id;
  c.dataset.paramType = p.type;
  if (p.list) c.dataset.list = 'true';
  const label = document.createElement('label');
  label.htmlFor = c.id;
  label.textContent = p.label ?? p.id;
  if (p.required) label.append(Object.assign(document.createElement('span'), { className: 'required', textContent: ' *', title: 'required' }));
  const describedBy: string[] = [];
  const help = document.createElement('p');
  help.className = 'hint';
  help.id = `${c.id}-help`;
  help.textContent = [p.help, rules(p)].filter(Boolean).join(' ');
  if (help.textContent) describedBy.push(help.id);
  const error = document.createElement('p');
  error.className = 'error';
  error.id = `${c.id}-error`;
  error.dataset.errorFor = p.id;
  error.hidden = true;
  describedBy.push(error.id);
  c.setAttribute('aria-describedby', describedBy.join(' '));
  if (p.type === 'boolean') wrap.append(c, label);
  else wrap.append(label, c);
  wrap.append(...(help.textContent ? [help] : []), error);
  return wrap;
}

/** The rules in words, where the control alone does not show them. */
function rules(p: Parameter): string {
  const r: string[] = [];
  if (p.minimum !== undefined && p.maximum !== undefined) r.push(`From ${p.minimum} to ${p.maximum}.`);
  else if (p.minimum !== undefined) r.push(`At least ${p.minimum}.`);
  else if (p.maximum !== undefined) r.push(`At most ${p.maximum}.`);
  if (p.accept) r.push(`A file ending in ${p.accept.join(' or ')}.`);
  if (p.list && p.max_items !== undefined) r.push(`At most ${p.max_items} values.`);
  return r.join(' ');
}

/** The fields of one version, groups folded after the ungrouped ones. */
export function renderParamFields(parameters: readonly Parameter[]): DocumentFragment {
  const out = document.createDocumentFragment();
  out.append(...parameters.filter((p) => !p.group).map(field));
  for (const group of [...new Set(parameters.flatMap((p) => (p.group ? [p.group] : [])))]) {
    const details = document.createElement('details');
    details.append(Object.assign(document.createElement('summary'), { textContent: group }), ...parameters.filter((p) => p.group === group).map(field));
    out.append(details);
  }
  return out;
}

/** The values the fields hold, left out where empty (the server fills defaults). */
export function readParamFields(root: ParentNode, parameters: readonly Parameter[]): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const p of parameters) {
    const c = root.querySelector<HTMLInputElement & HTMLTextAreaElement & HTMLSelectElement>(`#${fieldId(p)}`);
    if (!c) continue;
    if (p.type === 'boolean') values[p.id] = c.checked;
    else if (p.type === 'file') {
      const files = [...(c.files ?? [])];
      if (files.length) values[p.id] = p.list ? files : files[0];
    } else if (p.list) {
      const items = c.value.split('\n').map((s: string) => s.trim()).filter(Boolean);
      if (items.length) values[p.id] = items;
    } else if (c.value !== '') values[p.id] = c.value;
  }
  return values;
}

/** The browser's own check, by the same rules: each refusal shown beside its field. True when all pass. */
export function checkParamFields(root: ParentNode, parameters: readonly Parameter[]): boolean {
  let ok = true;
  for (const p of parameters) {
    const c = root.querySelector<HTMLInputElement>(`#${fieldId(p)}`);
    if (!c) continue;
    let problem = c.checkValidity() ? '' : c.validationMessage;
    if (!problem && p.type === 'file' && p.accept) {
      const bad = [...(c.files ?? [])].find((f) => !p.accept!.some((ext) => f.name.toLowerCase().endsWith(ext.toLowerCase())));
      if (bad) problem = `${bad.name} is not a file ending in ${p.accept.join(' or ')}.`;
    }
    if (!problem && p.list && p.max_items !== undefined && p.type !== 'file') {
      const n = (c as unknown as HTMLTextAreaElement).value.split('\n').filter((s) => s.trim()).length;
      if (n > p.max_items) problem = `At most ${p.max_items} values (${n} given).`;
    }
    showParamError(root, p.id, problem);
    if (problem) ok = false;
  }
  return ok;
}

/** Shows (or clears, with '') the refusal beside a parameter's field; false when no field has that id. */
export function showParamError(root: ParentNode, id: string, message: string): boolean {
  const slot = root.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(id)}"]`);
  if (!slot) return false;
  slot.textContent = message;
  slot.hidden = !message;
  slot.closest('details')?.setAttribute('open', '');
  root.querySelector(`#param-${CSS.escape(id)}`)?.setAttribute('aria-invalid', message ? 'true' : 'false');
  return true;
}
