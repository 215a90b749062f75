// Protocol Buffers wire format reading: varints, length-delimited fields, fixed 32/64-bit values.

export interface WireField {
  num: number;
  wire: number;
  /** varint / fixed value, or the bytes of a length-delimited field */
  value: bigint | Buffer;
}

export function* readFields(buf: Buffer): Generator<WireField> {
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let n = 0; ; n++) {
      if (i >= buf.length) throw new Error('truncated varint');
      if (n >= 10) throw new Error('varint longer than 10 bytes');
      const b = buf[i++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) yield { num, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('truncated length-delimited field');
      yield { num, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) {
      if (i + 8 > buf.length) throw new Error('truncated 64-bit field');
      yield { num, wire, value: buf.readBigUInt64LE(i) };
      i += 8;
    } else if (wire === 5) {
      if (i + 4 > buf.length) throw new Error('truncated 32-bit field');
      yield { num, wire, value: BigInt(buf.readUInt32LE(i)) };
      i += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** A varint as a signed 64-bit number (int32/int64 fields use two's complement). */
export function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}
