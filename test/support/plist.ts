/** Reads an XML property list back into plain values, to check the generated ones. */
import { XMLParser } from 'fast-xml-parser';

/** fast-xml-parser's ordered form: one tag name → its children, or '#text'; ':@' holds attributes. */
type OrderedNode = Record<string, unknown>;

// A plist dict is <key> and value elements in turn, so document order matters.
const parser = new XMLParser({ preserveOrder: true, parseTagValue: false });

export function parsePlist(xml: string): unknown {
  const document = parser.parse(xml) as OrderedNode[];
  const plist = document.find((node) => 'plist' in node);
  const [root, ...rest] = elements(plist?.plist);
  if (root === undefined || rest.length > 0) throw new Error('a plist holds exactly one value');
  return plistValue(root);
}

function elements(children: unknown): OrderedNode[] {
  if (!Array.isArray(children)) throw new Error('malformed plist');
  return (children as OrderedNode[]).filter((node) => !('#text' in node));
}

function tagOf(node: OrderedNode): string {
  const tag = Object.keys(node).find((key) => key !== ':@');
  if (tag === undefined) throw new Error('malformed plist');
  return tag;
}

function text(node: OrderedNode): string {
  const children = node[tagOf(node)];
  if (!Array.isArray(children)) throw new Error('malformed plist');
  return (children as OrderedNode[])
    .map((child) => (typeof child['#text'] === 'string' ? child['#text'] : ''))
    .join('');
}

function plistValue(node: OrderedNode): unknown {
  const tag = tagOf(node);
  switch (tag) {
    case 'string':
      return text(node);
    case 'integer':
      return Number(text(node));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'array':
      return elements(node.array).map(plistValue);
    case 'dict': {
      const children = elements(node.dict);
      const result: Record<string, unknown> = {};
      for (let index = 0; index < children.length; index += 2) {
        const [key, value] = [children[index], children[index + 1]];
        if (key === undefined || tagOf(key) !== 'key' || value === undefined) {
          throw new Error('a plist dict alternates <key> and a value');
        }
        result[text(key)] = plistValue(value);
      }
      return result;
    }
    default:
      throw new Error(`unexpected plist element <${tag}>`);
  }
}
