// A pickle reader that parses, never executes. It knows the opcodes of protocols 2 to 5 that
// numpy arrays and tuples of them use, and only the globals numpy needs to rebuild an array.
// Any other global (say `os.system`) is refused by name. Large byte payloads whose shape
// and dtype are already on the stack (numpy's `_reconstruct` + BUILD layout) are streamed
// straight into the destination arrays instead of being held as bytes first.
import type { ByteReader, ChunkParser } from "./_byte_reader.ts";
import { type DecodedArray, decodeElements, elementCount, readElements } from "./_array.ts";
import { type Dtype, DTYPE_SIZE } from "./_convert.ts";
import { parseDescr } from "./_npy.ts";
import { inline } from "./_file.ts";
import { NetsweepError } from "../core/mod.ts";

const ALLOWED_GLOBALS = new Set([
  "numpy.core.multiarray._reconstruct",
  "numpy._core.multiarray._reconstruct",
  "numpy.core.numeric._frombuffer",
  "numpy._core.numeric._frombuffer",
  "numpy.ndarray",
  "numpy.dtype",
  "_codecs.encode",
]);

/** Payloads at least this long are candidates for streaming into an array. */
const STREAM_THRESHOLD = 4096;

class Global {
  constructor(readonly name: string) {}
}
class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
class DtypeValue {
  endian = "|";
  constructor(readonly code: string) {}
}
class NdArrayValue {
  array: DecodedArray | null = null;
}
/** A large Python str kept as its UTF-8 bytes (Python 3 writes bytes in protocol 2 this way). */
class Utf8Text {
  constructor(readonly bytes: Uint8Array) {}
}
class StreamedArray {
  constructor(readonly array: DecodedArray) {}
}

/** A value on the pickle stack. Python str and bytes are both kept as bytes until needed. */
export type PyValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PyValue[]
  | Map<PyValue, PyValue>
  | PyTuple
  | Global
  | DtypeValue
  | NdArrayValue
  | Utf8Text
  | StreamedArray;

/** The result of reading a pickle: nested tuples/lists of decoded arrays. */
export type PickleTree = DecodedArray | PickleTree[] | null | number | string | boolean;

function text(v: PyValue, source: string): string {
  if (typeof v === "string") return v;
  if (v instanceof Utf8Text) return new TextDecoder().decode(v.bytes);
  if (v instanceof Uint8Array) return latin1Text(v);
  throw new NetsweepError(source, `pickle: expected a string, found ${describe(v)}`);
}

/**
 * A Python 2 str as text, byte for code point. In slices: `String.fromCharCode(...bytes)`
 * passes every byte as an argument, and a 1 MiB string overflows the call stack.
 */
function latin1Text(bytes: Uint8Array): string {
  const SLICE = 8192;
  let out = "";
  for (let i = 0; i < bytes.length; i += SLICE) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + SLICE) as unknown as number[]);
  }
  return out;
}

function describe(v: PyValue): string {
  if (v === null) return "None";
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof PyTuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return v.constructor.name;
  return typeof v === "string" ? `"${inline(v)}"` : JSON.stringify(v);
}

function dtypeOf(v: PyValue, source: string): Dtype {
  if (!(v instanceof DtypeValue)) {
    throw new NetsweepError(source, `pickle: expected a numpy dtype, found ${describe(v)}`);
  }
  return parseDescr(`${v.endian}${v.code}`, source);
}

function shapeOf(v: PyValue, source: string): number[] {
  const items = v instanceof PyTuple ? v.items : null;
  // numpy arrays have at most 64 dimensions; more is no shape (and no message should list it).
  if (!items || items.length > 64 || !items.every((d) => typeof d === "number")) {
    throw new NetsweepError(source, `pickle: expected an array shape, found ${describe(v)}`);
  }
  return items as number[];
}

export function* parsePickle(reader: ByteReader, table: Float32Array): ChunkParser<PickleTree> {
  const source = reader.source;
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pop = (): PyValue => {
    if (stack.length === 0) throw new NetsweepError(source, "pickle: stack underflow");
    return stack.pop()!;
  };
  const popMark = (): PyValue[] => {
    const at = marks.pop();
    if (at === undefined) throw new NetsweepError(source, "pickle: no MARK on the stack");
    return stack.splice(at);
  };
  const top = (): PyValue => {
    if (stack.length === 0) throw new NetsweepError(source, "pickle: stack underflow");
    return stack[stack.length - 1];
  };

  // The BUILD state of an ndarray is (version, shape, dtype, is_fortran, data): when a large
  // payload arrives with the first four on the stack above a MARK, stream it.
  function* payload(length: number): ChunkParser<PyValue> {
    const at = marks[marks.length - 1];
    if (length >= STREAM_THRESHOLD && at !== undefined && stack.length - at === 4) {
      const [, shapeV, dtypeV, fortran] = stack.slice(at);
      if (stack[at - 1] instanceof NdArrayValue && dtypeV instanceof DtypeValue) {
        if (fortran === true) {
          throw new NetsweepError(source, "pickle: Fortran-ordered arrays are not supported");
        }
        const shape = shapeOf(shapeV, source);
        const dtype = dtypeOf(dtypeV, source);
        const expected = elementCount(shape, source) * DTYPE_SIZE[dtype];
        if (expected !== length) {
          throw new NetsweepError(
            source,
            `pickle: array of shape [${shape}] needs ${expected} bytes, found ${length}`,
          );
        }
        return new StreamedArray(yield* readElements(reader, shape, dtype, table));
      }
    }
    return (yield* reader.read(length)).slice();
  }

  function reduce(fn: PyValue, args: PyValue): PyValue {
    if (!(fn instanceof Global) || !(args instanceof PyTuple)) {
      throw new NetsweepError(source, `pickle: cannot call ${describe(fn)}`);
    }
    const a = args.items;
    switch (fn.name.split(".").pop()) {
      case "_reconstruct":
        return new NdArrayValue();
      case "dtype":
        return new DtypeValue(text(a[0], source));
      case "encode": // Python 3 writes bytes in protocol 2 as _codecs.encode(str, 'latin1').
        return latin1(a[0], source);
      case "_frombuffer": {
        const [buf, dtypeV, shapeV] = a;
        if (!(buf instanceof Uint8Array)) {
          throw new NetsweepError(source, "pickle: out-of-band buffers are not supported");
        }
        const arr = new NdArrayValue();
        const shape = shapeOf(shapeV, source);
        arr.array = decodeElements(buf, shape, dtypeOf(dtypeV, source), table, source);
        return arr;
      }
    }
    throw new NetsweepError(source, `pickle: cannot call ${fn.name}`);
  }

  function build(obj: PyValue, state: PyValue): void {
    if (obj instanceof DtypeValue && state instanceof PyTuple) {
      obj.endian = text(state.items[1], source);
      return;
    }
    if (obj instanceof NdArrayValue && state instanceof PyTuple && state.items.length === 5) {
      const [, shapeV, dtypeV, fortran, data] = state.items;
      if (fortran === true) {
        throw new NetsweepError(source, "pickle: Fortran-ordered arrays are not supported");
      }
      if (data instanceof StreamedArray) {
        obj.array = data.array;
      } else {
        const bytes = typeof data === "string"
          ? Uint8Array.from(data, (c) => c.charCodeAt(0))
          : data;
        if (!(bytes instanceof Uint8Array)) {
          throw new NetsweepError(source, "pickle: object arrays are not supported");
        }
        obj.array = decodeElements(
          bytes,
          shapeOf(shapeV, source),
          dtypeOf(dtypeV, source),
          table,
          source,
        );
      }
      return;
    }
    throw new NetsweepError(source, `pickle: cannot set the state of ${describe(obj)}`);
  }

  for (;;) {
    const at = reader.offset;
    const op = yield* reader.byte();
    switch (op) {
      case 0x80: // PROTO
        yield* reader.byte();
        break;
      case 0x95: // FRAME: framing does not change the opcode stream
        yield* reader.read(8);
        break;
      case 0x2e: { // STOP
        if (stack.length !== 1) throw new NetsweepError(source, "pickle: malformed stack at STOP");
        return toTree(stack[0], source);
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4a: // BININT
        stack.push(le(yield* reader.read(4)).getInt32(0, true));
        break;
      case 0x4b: // BININT1
        stack.push(yield* reader.byte());
        break;
      case 0x4d: // BININT2
        stack.push(le(yield* reader.read(2)).getUint16(0, true));
        break;
      case 0x8a: { // LONG1
        const n = yield* reader.byte();
        const b = yield* reader.read(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x49: { // INT (text; "01"/"00" are booleans)
        const line = yield* reader.line();
        stack.push(line === "01" ? true : line === "00" ? false : parseInt(line, 10));
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(new DataView((yield* reader.read(8)).slice().buffer).getFloat64(0, false));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x54: // BINSTRING
      case 0x42: // BINBYTES
        stack.push(yield* payload(le(yield* reader.read(4)).getUint32(0, true)));
        break;
      case 0x55: // SHORT_BINSTRING
      case 0x43: // SHORT_BINBYTES
        stack.push((yield* reader.read(yield* reader.byte())).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: { // BYTEARRAY8
        const v = le(yield* reader.read(8));
        stack.push(yield* payload(v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32));
        break;
      }
      case 0x58: { // BINUNICODE
        const n = le(yield* reader.read(4)).getUint32(0, true);
        const bytes = yield* reader.read(n);
        stack.push(n >= STREAM_THRESHOLD ? new Utf8Text(bytes.slice()) : utf8(bytes));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(yield* reader.read(yield* reader.byte())));
        break;
      case 0x8d: { // BINUNICODE8
        const v = le(yield* reader.read(8));
        stack.push(utf8(yield* reader.read(v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32)));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: { // TUPLE3
        const n = op - 0x84;
        if (stack.length < n) throw new NetsweepError(source, "pickle: stack underflow");
        stack.push(new PyTuple(stack.splice(stack.length - n)));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: { // APPEND
        const v = pop();
        listAt(top(), source).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = listAt(top(), source);
        for (const item of items) list.push(item); // not push(...items): a long list overflows
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: // DICT
        stack.push(pairs(new Map(), popMark()));
        break;
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        dictAt(top(), source).set(k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        pairs(dictAt(top(), source), items);
        break;
      }
      case 0x63: { // GLOBAL
        const module = yield* reader.line();
        const name = yield* reader.line();
        stack.push(allowGlobal(`${module}.${name}`, source));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = text(pop(), source);
        const module = text(pop(), source);
        stack.push(allowGlobal(`${module}.${name}`, source));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args); only ndarray subclasses reach here
        const args = pop();
        const cls = pop();
        stack.push(reduce(cls, args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x70: // PUT
        memo.set(parseInt(yield* reader.line(), 10), top());
        break;
      case 0x71: // BINPUT
        memo.set(yield* reader.byte(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(le(yield* reader.read(4)).getUint32(0, true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(recall(memo, parseInt(yield* reader.line(), 10), source));
        break;
      case 0x68: // BINGET
        stack.push(recall(memo, yield* reader.byte(), source));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(recall(memo, le(yield* reader.read(4)).getUint32(0, true), source));
        break;
      default:
        throw new NetsweepError(
          source,
          `unknown pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`,
        );
    }
  }
}

/** `str.encode('latin1')`: UTF-8 of code points below 256 straight to bytes. */
function latin1(v: PyValue, source: string): Uint8Array {
  const utf = v instanceof Utf8Text ? v.bytes : new TextEncoder().encode(text(v, source));
  const out = new Uint8Array(utf.length);
  let n = 0;
  for (let i = 0, len = utf.length; i < len; i++) {
    const b = utf[i];
    if (b < 0x80) {
      out[n++] = b;
    } else if ((b & 0xfe) === 0xc2 && i + 1 < len) {
      out[n++] = ((b & 0x03) << 6) | (utf[++i] & 0x3f);
    } else {
      throw new NetsweepError(source, "pickle: a latin-1 string has characters above U+00FF");
    }
  }
  return out.subarray(0, n);
}

function utf8(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

function allowGlobal(name: string, source: string): Global {
  if (!ALLOWED_GLOBALS.has(name)) {
    throw new NetsweepError(
      source,
      `pickle refers to global '${
        inline(name)
      }', which is refused (only numpy array globals are allowed)`,
    );
  }
  return new Global(name);
}

function recall(memo: Map<number, PyValue>, key: number, source: string): PyValue {
  if (!memo.has(key)) throw new NetsweepError(source, `pickle: memo key ${key} is not set`);
  return memo.get(key)!;
}

function listAt(v: PyValue, source: string): PyValue[] {
  if (!Array.isArray(v)) throw new NetsweepError(source, `pickle: APPEND to ${describe(v)}`);
  return v;
}

function dictAt(v: PyValue, source: string): Map<PyValue, PyValue> {
  if (!(v instanceof Map)) throw new NetsweepError(source, `pickle: SETITEM on ${describe(v)}`);
  return v;
}

function pairs(map: Map<PyValue, PyValue>, items: PyValue[]): Map<PyValue, PyValue> {
  for (let i = 0; i + 1 < items.length; i += 2) map.set(items[i], items[i + 1]);
  return map;
}

/** The most values and the deepest nesting a pickle's result may have (MNIST's has 9 and 3). */
const MAX_NODES = 100_000;
const MAX_DEPTH = 100;

/**
 * The pickle's result as plain values. Shared references (a memo entry used many times, as in
 * a "billion laughs" pickle), self-references and deep nesting are refused by name instead of
 * being expanded without end.
 */
function toTree(root: PyValue, source: string): PickleTree {
  let nodes = 0;
  const active = new Set<PyValue>();
  const walk = (v: PyValue, depth: number): PickleTree => {
    if (++nodes > MAX_NODES) {
      throw new NetsweepError(
        source,
        `pickle: more than ${MAX_NODES} values (shared references expanding without end?)`,
      );
    }
    if (depth > MAX_DEPTH) {
      throw new NetsweepError(source, `pickle: nests deeper than ${MAX_DEPTH} levels`);
    }
    if (v instanceof NdArrayValue) {
      if (!v.array) throw new NetsweepError(source, "pickle: an ndarray has no data");
      return v.array;
    }
    if (v instanceof PyTuple || Array.isArray(v)) {
      if (active.has(v)) throw new NetsweepError(source, "pickle: a list or tuple contains itself");
      active.add(v);
      const items = (v instanceof PyTuple ? v.items : v).map((x) => walk(x, depth + 1));
      active.delete(v);
      return items;
    }
    if (v === null || typeof v === "number" || typeof v === "boolean" || typeof v === "string") {
      return v;
    }
    if (v instanceof Uint8Array) return text(v, source);
    throw new NetsweepError(source, `pickle: unexpected ${describe(v)} in the data`);
  };
  return walk(root, 0);
}
