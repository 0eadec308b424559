/** jQuery widgets Node-RED's editor adds (typedInput, autoComplete, editableList, ...), as this package calls them. */
interface JQuery<TElement = HTMLElement> {
  typedInput(options: { default?: string; types: Array<string | Record<string, unknown>>; typeField?: string }): JQuery<TElement>;
  typedInput(method: 'value' | 'type'): string;
  typedInput(method: 'value' | 'type', value: string): JQuery<TElement>;
  typedInput(method: 'validate'): boolean;
  typedInput(method: 'width', value: string | number): JQuery<TElement>;
  autoComplete(options: { minLength?: number; search: (value: string, done: (results: Array<{ value: string; label: string | JQuery }>) => void) => void }): JQuery<TElement>;
  i18n(): JQuery<TElement>;
}
