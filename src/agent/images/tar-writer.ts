// A minimal pax tar writer: enough to hand GNU tar the entries node can't make itself (character
// devices for whiteouts, directories carrying the overlayfs opaque xattr).

export interface TarEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo';
  linkpath?: string;
  mode: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as SCHILY.xattr.<name> pax records (GNU tar's --xattrs reads them). */
  xattrs?: Record<string, string>;
  data?: Buffer;
}

const typeFlag = { file: '0', directory: '5', symlink: '2', char: '3', block: '4', fifo: '6' } as const;

function octal(buf: Buffer, offset: number, length: number, value: number) {
  buf.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function header(name: string, type: string, size: number, e: Partial<TarEntry>): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 99), 0, 100, 'utf8');
  octal(h, 100, 8, (e.mode ?? 0) & 0o7777);
  octal(h, 108, 8, e.uid ?? 0);
  octal(h, 116, 8, e.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(e.mtime ?? 0));
  h.write(type, 156, 1, 'ascii');
  if (e.linkpath) h.write(e.linkpath.slice(0, 99), 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  octal(h, 329, 8, e.devmajor ?? 0);
  octal(h, 337, 8, e.devminor ?? 0);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function padded(data: Buffer): Buffer[] {
  const pad = (512 - (data.length % 512)) % 512;
  return pad ? [data, Buffer.alloc(pad)] : [data];
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    let pax = paxRecord('path', e.path);
    if (e.linkpath) pax += paxRecord('linkpath', e.linkpath);
    for (const [k, v] of Object.entries(e.xattrs ?? {})) pax += paxRecord(`SCHILY.xattr.${k}`, v);
    const paxData = Buffer.from(pax, 'utf8');
    parts.push(header('PaxHeader', 'x', paxData.length, { mode: 0o644 }), ...padded(paxData));
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(e.path, typeFlag[e.type], data.length, e));
    if (data.length) parts.push(...padded(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
