/**
 * A form for one method, generated from the JSON Schema of its arguments (what `describe`
 * answers): a field per property of simple type (string, number, integer, boolean, enum), a
 * JSON field for anything else. Collecting it yields the args object.
 */
import type { JsonSchema } from '../../../src/firefly/describe.js';
import { h } from './dom.js';

type Schema = { type?: string | string[]; enum?: unknown[]; properties?: Record<string, Schema>; required?: string[]; description?: string; format?: string };

/** The fields for `schema` and a function that reads them back (throws on malformed JSON). */
export function schemaFields(schema: JsonSchema, idPrefix: string): { fields: HTMLElement[]; collect: () => Record<string, unknown> } {
  const object = schema as Schema;
  const properties = object.properties ?? {};
  const required = new Set(object.required ?? []);
  const readers: [string, () => unknown][] = [];
  const fields = Object.entries(properties).map(([name, property]) => {
    const id = `${idPrefix}-${name}`;
    const type = Array.isArray(property.type) ? property.type[0] : property.type;
    const label = `${name}${required.has(name) ? '' : ' (optional)'}${type ? `: ${type}` : ''}`;
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    let read: () => unknown;
    if (property.enum) {
      const select = h('select', { id, name }, ...(required.has(name) ? [] : [h('option', { value: '' }, '—')]), ...property.enum.map((value) => h('option', { value: String(value) }, String(value))));
      input = select;
      read = () => (select.value === '' ? undefined : select.value);
    } else if (type === 'boolean') {
      const box = h('input', { id, name, type: 'checkbox' });
      input = box;
      read = () => box.checked;
    } else if (type === 'number' || type === 'integer') {
      const number = h('input', { id, name, type: 'number', step: type === 'integer' ? 1 : 'any' });
      input = number;
      read = () => (number.value === '' ? undefined : Number(number.value));
    } else if (type === 'string' && property.format !== 'bytes') {
      const text = h('input', { id, name, type: 'text' });
      input = text;
      read = () => (text.value === '' && !required.has(name) ? undefined : text.value);
    } else {
      const json = h('textarea', { id, name, placeholder: 'JSON' });
      input = json;
      read = () => (json.value.trim() === '' ? undefined : JSON.parse(json.value));
    }
    readers.push([name, read]);
    return h('label', { for: id }, label, ' ', input);
  });
  const collect = () => {
    const args: Record<string, unknown> = {};
    for (const [name, read] of readers) {
      const value = read();
      if (value !== undefined) args[name] = value;
    }
    return args;
  };
  return { fields, collect };
}
