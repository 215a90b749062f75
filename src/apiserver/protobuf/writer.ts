// Protocol Buffers wire format writing: fields appended to a growing buffer, messages nested by
// writing them into their own writer first.

export class ProtoWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer) {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(n: number | bigint) {
    let v = BigInt(n);
    if (v < 0n) v = BigInt.asUintN(64, v);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.push(Buffer.from(bytes));
  }

  private tag(num: number, wire: number) {
    this.varint((num << 3) | wire);
  }

  string(num: number, s: string | undefined) {
    if (s === undefined || s === '') return this;
    return this.bytes(num, Buffer.from(s, 'utf8'));
  }

  bytes(num: number, b: Buffer) {
    this.tag(num, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  bool(num: number, v: boolean | undefined) {
    if (!v) return this;
    this.tag(num, 0);
    this.varint(1);
    return this;
  }

  int(num: number, v: number | undefined) {
    if (v === undefined || v === 0) return this;
    this.tag(num, 0);
    this.varint(v);
    return this;
  }

  double(num: number, v: number | undefined) {
    if (v === undefined) return this;
    this.tag(num, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.push(b);
    return this;
  }

  message(num: number, build: (w: ProtoWriter) => void) {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(num, w.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
