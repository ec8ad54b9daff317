// Minimal typings for the parts of libmime and libqp we use (neither ships its own).
declare module 'libmime' {
  const libmime: {
    decodeWords(str: string): string;
    parseHeaderValue(str: string): { value: string; params: Record<string, string> };
  };
  export default libmime;
}
declare module 'libqp' {
  const libqp: { decode(str: string | Buffer): Buffer };
  export default libqp;
}
declare module 'libmime/lib/charset.js' {
  const charset: {
    decode(buf: Buffer, charset: string): string;
    normalizeCharset(charset: string): string;
  };
  export default charset;
}
