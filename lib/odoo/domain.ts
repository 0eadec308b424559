import { badInput } from '../errors';
import type { Domain } from './client';

const OPERATORS = new Set([
  '=', '!=', '<>', '<', '<=', '>', '>=', '=?', 'in', 'not in', 'like', 'not like', 'ilike', 'not ilike',
  '=like', '=ilike', 'not =like', 'not =ilike', 'child_of', 'parent_of', 'any', 'not any',
]);

/**
 * Checks a domain before it travels, so an analyst sees which term is wrong
 * instead of a server traceback. Accepts the JSON text of a domain too.
 */
export function parseDomain(input: unknown): Domain {
  let domain = input;
  if (domain === undefined || domain === null || domain === '') return [];
  if (typeof domain === 'string') {
    try {
      domain = JSON.parse(domain);
    } catch (err) {
      throw badInput(`domain is not valid JSON: ${(err as Error).message}`, { domain: input });
    }
  }
  if (!Array.isArray(domain)) throw badInput(`domain must be a list of terms like [["name", "=", "x"]], got ${typeof domain}`, { domain: input });
  domain.forEach((term, i) => {
    if (term === '&' || term === '|') {
      // binary: joins the next two terms
    } else if (term === '!') {
      // unary: consumes one and yields one
    } else if (Array.isArray(term)) {
      if (term.length !== 3) throw badInput(`domain term ${i + 1} must have 3 parts [field, operator, value], got ${JSON.stringify(term)}`, { domain: input });
      const [field, op] = term;
      if (typeof field !== 'string' && !(field === 1 || field === 0)) throw badInput(`domain term ${i + 1}: field must be a name, got ${JSON.stringify(field)}`, { domain: input });
      if (typeof op !== 'string' || !OPERATORS.has(op.toLowerCase())) throw badInput(`domain term ${i + 1}: unknown operator ${JSON.stringify(op)}`, { domain: input });
    } else {
      throw badInput(`domain term ${i + 1} must be a [field, operator, value] list or one of "&", "|", "!", got ${JSON.stringify(term)}`, { domain: input });
    }
  });
  const terms = domain.filter((t) => Array.isArray(t)).length;
  const operators = domain.filter((t) => t === '&' || t === '|').length;
  if (terms > 0 && operators > terms - 1) throw badInput(`domain has ${operators} "&"/"|" operators for ${terms} terms; each operator joins two terms`, { domain: input });
  return domain as Domain;
}
