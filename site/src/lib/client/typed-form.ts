// The run form's typed part: the fields of the chosen version (param-fields.ts), switched with
// the version select, and what the form needs of them at submit time. The free-text field and
// the plain file picker stay for versions that take free text (every version without typed
// parameters, and those with free_params).
import type { VersionInputs } from './types';
import { checkParamFields, readParamFields, renderParamFields, showParamError, type FieldValue } from './param-fields';

export class TypedFields {
  private current: VersionInputs = { parameters: [], free_params: true };

  constructor(
    private readonly container: HTMLElement,
    private inputs: Record<string, VersionInputs>,
  ) {}

  setInputs(inputs: Record<string, VersionInputs>): void {
    this.inputs = inputs;
  }

  /** Shows the fields of `version`; returns what it takes. */
  show(version: string): VersionInputs {
    this.current = this.inputs[version] ?? { parameters: [], free_params: true };
    this.container.replaceChildren(renderParamFields(this.current.parameters));
    this.container.hidden = this.current.parameters.length === 0;
    return this.current;
  }

  get typed(): boolean {
    return this.current.parameters.length > 0;
  }

  /** A typed preset's values put in their fields (files excepted: a preset holds none). */
  apply(values: Record<string, unknown>): void {
    for (const [id, v] of Object.entries(values)) {
      const c = this.container.querySelector<HTMLInputElement>(`#param-${CSS.escape(id)}`);
      if (!c || c.type === 'file') continue;
      if (c.type === 'checkbox') c.checked = v === true;
      else c.value = Array.isArray(v) ? v.join('\n') : String(v);
    }
  }

  /** The browser's check, by the server's rules; each refusal beside its field. */
  check(): boolean {
    return checkParamFields(this.container, this.current.parameters);
  }

  values(): Record<string, FieldValue> {
    return readParamFields(this.container, this.current.parameters);
  }

  /** A server refusal beside the field it names; false when it names none shown. */
  showError(param: string, message: string): boolean {
    const shown = showParamError(this.container, param, message);
    if (shown) this.container.querySelector<HTMLElement>(`#param-${CSS.escape(param)}`)?.focus();
    return shown;
  }

  clearErrors(): void {
    for (const p of this.current.parameters) showParamError(this.container, p.id, '');
  }
}
