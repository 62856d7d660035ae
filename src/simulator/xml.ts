// Tiny helpers to write the XML bodies of the query protocols (STS, EC2). Values are always escaped.

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<name>escaped text</name>` */
export function textElement(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

/** `<name attrs>children</name>`, where children are already-rendered XML. */
export function element(name: string, children: string | readonly string[], attributes: Record<string, string> = {}): string {
  const attributeText = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const inner = typeof children === 'string' ? children : children.join('');
  return `<${name}${attributeText}>${inner}</${name}>`;
}
