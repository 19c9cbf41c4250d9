#!/usr/bin/env python3
"""Generates Strata's Swift Kafka wire-protocol codecs from Kafka's JSON message schemas.

Usage (from the repository root):

    python3 tools/codegen/generate.py [MESSAGES_DIR] [--internal-records DIR]

MESSAGES_DIR defaults to ../shared/kafka-protocol/messages and DIR to
../shared/kafka-protocol/internal-records (relative to the repo root).
Writes:
  Broker/Sources/KafkaProtocol/Generated/<Name>.swift   one file per schema
  Broker/Sources/KafkaProtocol/Generated/ApiKey.swift   ApiKey enum + request/response dispatch enums
  Broker/Sources/KafkaProtocol/Generated/InternalRecords/<Name>.swift
                                                        the internal-records schemas in INTERNAL_RECORDS
  Tests/KafkaProtocolTests/Generated/Samples.swift      per-version sample values for round-trip tests
  Tests/KafkaProtocolTests/Generated/InternalRecordSamples.swift   the same for the internal records

Python 3.11, standard library only. See tools/codegen/README.md.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from dataclasses import dataclass, field as dc_field

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_MESSAGES = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "kafka-protocol", "messages"))
DEFAULT_INTERNAL = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "kafka-protocol", "internal-records"))
OUT_DIR = os.path.join(REPO_ROOT, "Broker", "Sources", "KafkaProtocol", "Generated")
INTERNAL_SUBDIR = "InternalRecords"
# The internal-records schemas the broker uses: the classic group coordinator's records in
# __consumer_offsets. Their framing (the key's int16 record type, the value's int16 version) is
# written by the broker; these are the bodies. Add names here to generate more of them.
INTERNAL_RECORDS = ("OffsetCommitKey", "OffsetCommitValue", "GroupMetadataKey", "GroupMetadataValue")
TEST_OUT_DIR = os.path.join(REPO_ROOT, "Tests", "KafkaProtocolTests", "Generated")
COMMAND = "python3 tools/codegen/generate.py"

INF = 1 << 15  # above any Int16 version

PRIMITIVES = {
    "bool": "Bool", "int8": "Int8", "int16": "Int16", "uint16": "UInt16", "int32": "Int32",
    "uint32": "UInt32", "int64": "Int64", "float64": "Double", "string": "String",
    "uuid": "KafkaUUID", "bytes": "[UInt8]", "records": "ByteBuffer",
}
INT_TYPES = {"int8": (-(1 << 7), (1 << 7) - 1), "int16": (-(1 << 15), (1 << 15) - 1),
             "uint16": (0, (1 << 16) - 1), "int32": (-(1 << 31), (1 << 31) - 1),
             "uint32": (0, (1 << 32) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}
READERS = {"bool": "readKBool", "int8": "readKInt8", "int16": "readKInt16", "uint16": "readKUInt16",
           "int32": "readKInt32", "uint32": "readKUInt32", "int64": "readKInt64",
           "float64": "readKFloat64", "uuid": "readKUUID"}
FIXED_SIZES = {"bool": 1, "int8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8,
               "float64": 8, "uuid": 16}
SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
    "super", "throws", "true", "try",
}
# Names the generated code itself uses inside message types.
RESERVED_TYPE_NAMES = {"Response", "Self", "Type", "Protocol", "ApiKey", "KafkaUUID", "ByteBuffer",
                       "KafkaProtocolError", "String", "Int8", "Int16", "Int32", "Int64", "UInt16",
                       "UInt32", "Double", "Bool"}


class SchemaError(Exception):
    pass


# ---------------------------------------------------------------------------
# Version ranges


@dataclass(frozen=True)
class VRange:
    lo: int
    hi: int  # inclusive; INF for open-ended

    @property
    def empty(self) -> bool:
        return self.lo > self.hi

    def intersect(self, other: "VRange") -> "VRange":
        return VRange(max(self.lo, other.lo), min(self.hi, other.hi))

    def contains(self, v: int) -> bool:
        return self.lo <= v <= self.hi

    def covers(self, other: "VRange") -> bool:
        return other.empty or (self.lo <= other.lo and self.hi >= other.hi)


EMPTY = VRange(1, 0)


def parse_versions(s) -> VRange:
    if s is None:
        return EMPTY
    s = str(s).strip()
    if s == "none" or s == "":
        return EMPTY
    if s.endswith("+"):
        return VRange(int(s[:-1]), INF)
    if "-" in s:
        a, b = s.split("-")
        return VRange(int(a), int(b))
    return VRange(int(s), int(s))


def cond(r: VRange, ctx: VRange, var: str = "version") -> str:
    """A Swift boolean expression for `var in r`, given that `var` is always in `ctx`."""
    r = r.intersect(ctx)
    if r.empty:
        return "false"
    parts = []
    if r.lo > ctx.lo:
        parts.append(f"{var} >= {r.lo}")
    if r.hi < ctx.hi:
        parts.append(f"{var} <= {r.hi}")
    return " && ".join(parts) if parts else "true"


# ---------------------------------------------------------------------------
# Schema model


def lower_camel(name: str) -> str:
    return name[0].lower() + name[1:]


def upper_camel(name: str) -> str:
    return name[0].upper() + name[1:]


def ident(name: str) -> str:
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def swift_string_literal(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{out}"'


@dataclass
class Field:
    wire_name: str
    name: str
    type: str  # schema type, e.g. "int32", "[]string", "FetchTopic"
    versions: VRange
    nullable: VRange
    tagged: VRange
    tag: int | None
    default: object
    ignorable: bool
    flexible_override: VRange | None
    about: str
    struct: "Struct | None" = None  # resolved struct for struct / []struct fields

    @property
    def is_array(self) -> bool:
        return self.type.startswith("[]")

    @property
    def elem(self) -> str:
        return self.type[2:] if self.is_array else self.type

    @property
    def is_struct(self) -> bool:
        return self.elem not in PRIMITIVES


@dataclass
class Struct:
    name: str
    fields: list[Field]
    message: "Message"
    is_top: bool = False

    @property
    def swift_path(self) -> str:
        return self.message.name if self.is_top else f"{self.message.name}.{self.name}"


@dataclass
class Message:
    name: str
    kind: str  # request / response / header / data
    api_key: int | None
    valid: VRange
    flexible: VRange
    listeners: list[str]
    latest_unstable: bool
    deprecated: VRange
    file: str
    top: Struct | None = None
    structs: list[Struct] = dc_field(default_factory=list)  # nested + common, in definition order


def load_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        lines = [ln for ln in f if not ln.lstrip().startswith("//")]
    return json.loads("".join(lines))


def parse_message(path: str) -> Message:
    raw = load_json(path)
    msg = Message(
        name=raw["name"], kind=raw["type"], api_key=raw.get("apiKey"),
        valid=parse_versions(raw["validVersions"]), flexible=parse_versions(raw.get("flexibleVersions", "none")),
        listeners=list(raw.get("listeners", [])), latest_unstable=bool(raw.get("latestVersionUnstable", False)),
        deprecated=parse_versions(raw.get("deprecatedVersions", "none")), file=os.path.basename(path),
    )
    common_defs = {c["name"]: c for c in raw.get("commonStructs", [])}
    structs: dict[str, Struct] = {}

    def make_fields(fields_json, owner: str) -> list[Field]:
        out = []
        for fj in fields_json:
            f = Field(
                wire_name=fj["name"], name=lower_camel(fj["name"]), type=fj["type"],
                versions=parse_versions(fj.get("versions")), nullable=parse_versions(fj.get("nullableVersions")),
                tagged=parse_versions(fj.get("taggedVersions")), tag=fj.get("tag"),
                default=fj.get("default"), ignorable=bool(fj.get("ignorable", False)),
                flexible_override=parse_versions(fj["flexibleVersions"]) if "flexibleVersions" in fj else None,
                about=fj.get("about", ""),
            )
            if (f.tag is None) != f.tagged.empty:
                raise SchemaError(f"{msg.name}.{owner}.{f.wire_name}: tag and taggedVersions must come together")
            if f.is_struct:
                sname = f.elem
                if "fields" in fj:
                    if sname in structs or sname in common_defs:
                        raise SchemaError(f"{msg.name}: struct {sname} defined twice")
                    st = Struct(sname, [], msg)
                    structs[sname] = st
                    msg.structs.append(st)
                    st.fields = make_fields(fj["fields"], sname)
                    f.struct = st
                elif sname in common_defs:
                    f.struct = sname  # resolved after all common structs are built
                else:
                    raise SchemaError(f"{msg.name}.{owner}.{f.wire_name}: unknown type {f.type}")
            elif "fields" in fj:
                raise SchemaError(f"{msg.name}.{owner}.{f.wire_name}: primitive type with fields")
            out.append(f)
        return out

    top = Struct(msg.name, [], msg, is_top=True)
    msg.top = top
    top.fields = make_fields(raw["fields"], msg.name)
    for cname, cdef in common_defs.items():
        if cname in structs:
            raise SchemaError(f"{msg.name}: struct {cname} defined twice")
        st = Struct(cname, [], msg)
        structs[cname] = st
        msg.structs.append(st)
        st.fields = make_fields(cdef["fields"], cname)

    def resolve(st: Struct):
        for f in st.fields:
            if isinstance(f.struct, str):
                f.struct = structs[f.struct]

    resolve(top)
    for st in msg.structs:
        resolve(st)
    for st in msg.structs:
        if st.name in RESERVED_TYPE_NAMES or st.name == msg.name:
            raise SchemaError(f"{msg.name}: struct name {st.name} clashes with a generated name")
    validate(msg)
    return msg


def validate(msg: Message):
    def check(st: Struct):
        names = set()
        tags = set()
        for f in st.fields:
            if f.name in names:
                raise SchemaError(f"{msg.name}.{st.name}: duplicate field {f.name}")
            names.add(f.name)
            if f.tag is not None:
                if f.tag in tags:
                    raise SchemaError(f"{msg.name}.{st.name}: duplicate tag {f.tag}")
                tags.add(f.tag)
                if not msg.flexible.covers(f.tagged.intersect(msg.valid)):
                    raise SchemaError(f"{msg.name}.{st.name}.{f.name}: tagged outside flexible versions")
                if not f.versions.covers(f.tagged):
                    raise SchemaError(f"{msg.name}.{st.name}.{f.name}: taggedVersions not within versions")
                regular_versions(f)  # raises if unsupported
            if not f.nullable.empty and f.elem in INT_TYPES | {"bool": 0, "float64": 0} and not f.is_array:
                raise SchemaError(f"{msg.name}.{st.name}.{f.name}: nullable primitive")
            if f.flexible_override is not None and f.is_array:
                raise SchemaError(f"{msg.name}.{st.name}.{f.name}: flexibleVersions override on an array is not supported")
            if f.type == "[]records" or f.type == "[]bytes":
                raise SchemaError(f"{msg.name}.{st.name}.{f.name}: arrays of {f.elem} are not supported")
    check(msg.top)
    for st in msg.structs:
        check(st)


def regular_versions(f: Field) -> VRange:
    """Versions in which a field is a regular (non-tagged) field."""
    if f.tag is None:
        return f.versions
    t = f.tagged
    v = f.versions
    if t.lo <= v.lo and t.hi >= v.hi:
        return EMPTY
    if t.lo > v.lo and t.hi >= v.hi:
        return VRange(v.lo, t.lo - 1)
    raise SchemaError(f"field {f.wire_name}: tagged versions {t} must be a suffix of versions {v}")


# ---------------------------------------------------------------------------
# Per-field Swift snippets


def is_optional(f: Field) -> bool:
    if f.type == "records":
        return True
    if not f.nullable.intersect(f.versions).empty:
        return True
    return f.default == "null"


def swift_type(f: Field) -> str:
    if f.is_array:
        base = f"[{f.struct.name if f.is_struct else PRIMITIVES[f.elem]}]"
    elif f.is_struct:
        base = f.struct.name
    else:
        base = PRIMITIVES[f.type]
    return base + "?" if is_optional(f) else base


def parse_int_default(f: Field, st: Struct) -> int:
    d = f.default
    if isinstance(d, bool):
        raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: bad integer default {d!r}")
    try:
        v = d if isinstance(d, int) else int(str(d).strip(), 0)
    except ValueError:
        raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: bad integer default {d!r}")
    lo, hi = INT_TYPES[f.type]
    if not lo <= v <= hi:
        raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: default {v} out of range for {f.type}")
    return v


def default_value(f: Field, st: Struct):
    """Python-side default: int / float / bool / str / None / 'EMPTY' / 'STRUCT' / 'ZERO'."""
    d = f.default
    if d == "null":
        if not is_optional(f):
            raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: null default on a non-nullable field")
        return None
    if f.is_array or f.type == "bytes":
        if d not in (None, "", "[]"):
            raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: unsupported default {d!r}")
        return "EMPTY"
    if f.type == "records":
        return None
    if f.is_struct:
        if d is not None:
            raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: unsupported struct default {d!r}")
        return "STRUCT"
    if f.type in INT_TYPES:
        return 0 if d is None else parse_int_default(f, st)
    if f.type == "bool":
        if d is None:
            return False
        if isinstance(d, bool):
            return d
        if str(d).strip() in ("true", "false"):
            return str(d).strip() == "true"
        raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: bad bool default {d!r}")
    if f.type == "float64":
        return 0.0 if d is None else float(d)
    if f.type == "string":
        return "" if d is None else str(d)
    if f.type == "uuid":
        if d not in (None, "", "AAAAAAAAAAAAAAAAAAAAAA"):
            raise SchemaError(f"{st.message.name}.{st.name}.{f.name}: unsupported uuid default {d!r}")
        return "ZERO"
    raise SchemaError(f"unhandled type {f.type}")


def default_expr(f: Field, st: Struct) -> str:
    d = default_value(f, st)
    if d is None:
        return "nil"
    if d == "EMPTY" and (f.is_array or f.type == "bytes"):
        return "[]"
    if d == "STRUCT":
        return f"{f.struct.name}()"
    if d == "ZERO":
        return "KafkaUUID.zero"
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, int):
        return str(d)
    if isinstance(d, float):
        return repr(d)
    if f.type == "string":
        return swift_string_literal(d)
    raise SchemaError(f"unhandled default for {f.name}")


def nondefault_expr(f: Field, st: Struct, x: str) -> str:
    d = default_value(f, st)
    if d is None:
        return f"{x} != nil"
    if d == "EMPTY":
        return f"{x} != []" if is_optional(f) else f"!{x}.isEmpty"
    return f"{x} != {default_expr(f, st)}"


def flex_expr(f: Field, tagged: bool) -> str:
    if tagged:
        return "true"
    if f.flexible_override is not None:
        if f.flexible_override.empty:
            return "false"
        raise SchemaError(f"{f.name}: only flexibleVersions 'none' is supported as a field override")
    return "flex"


def read_expr(f: Field, st: Struct, buf: str, flex: str, ncond: str, path: str) -> str:
    t = f.type
    opt = is_optional(f)
    if f.is_array:
        if opt:
            return f"try {buf}.readKNullableArray(version, {flex}, nullable: {ncond}, {path})"
        return f"try {buf}.readKArray(version, {flex}, {path})"
    if f.is_struct:
        if opt:
            return f"try {buf}.readKNullableStruct(version, nullable: {ncond}, {path})"
        return f"try {f.struct.name}(from: &{buf}, version: version)"
    if t in READERS:
        return f"try {buf}.{READERS[t]}({path})"
    if t == "string":
        if opt:
            return f"try {buf}.readKNullableString({flex}, nullable: {ncond}, {path})"
        return f"try {buf}.readKString({flex}, {path})"
    if t == "bytes":
        if opt:
            return f"try {buf}.readKNullableBytes({flex}, nullable: {ncond}, {path})"
        return f"try {buf}.readKBytes({flex}, {path})"
    if t == "records":
        return f"try {buf}.readKRecords({flex}, nullable: {ncond}, {path})"
    raise SchemaError(f"no reader for {t}")


def write_stmt(f: Field, st: Struct, buf: str, flex: str, ncond: str, path: str) -> str:
    t = f.type
    x = f"self.{f.name}"
    opt = is_optional(f)
    if f.is_array:
        if opt:
            return f"try {buf}.writeKNullableArray({x}, version, {flex}, nullable: {ncond}, {path})"
        return f"try {buf}.writeKArray({x}, version, {flex}, {path})"
    if f.is_struct:
        if opt:
            return f"try {buf}.writeKNullableStruct({x}, version, nullable: {ncond}, {path})"
        return f"try {x}.write(to: &{buf}, version: version)"
    if t in INT_TYPES:
        return f"{buf}.writeInteger({x})"
    if t == "bool":
        return f"{buf}.writeKBool({x})"
    if t == "float64":
        return f"{buf}.writeKFloat64({x})"
    if t == "uuid":
        return f"{buf}.writeKUUID({x})"
    if t == "string":
        if opt:
            return f"try {buf}.writeKNullableString({x}, {flex}, nullable: {ncond}, {path})"
        return f"try {buf}.writeKString({x}, {flex}, {path})"
    if t == "bytes":
        if opt:
            return f"try {buf}.writeKNullableBytes({x}, {flex}, nullable: {ncond}, {path})"
        return f"try {buf}.writeKBytes({x}, {flex}, {path})"
    if t == "records":
        return f"try {buf}.writeKRecords({x}, {flex}, nullable: {ncond}, {path})"
    raise SchemaError(f"no writer for {t}")


def min_size(f: Field, version: int, flexible: bool, msg: Message, seen=()) -> int:
    """Fewest bytes a regular field can take at `version`."""
    if f.flexible_override is not None and f.flexible_override.empty:
        flexible = False
    if f.is_array or f.type in ("bytes", "records"):
        return 1 if flexible else 4
    if f.type == "string":
        return 1 if flexible else 2
    if f.is_struct:
        if f.nullable.contains(version):
            return 1
        return struct_min_size(f.struct, version, flexible, msg, seen)
    return FIXED_SIZES[f.type]


def struct_min_size(st: Struct, version: int, flexible: bool, msg: Message, seen=()) -> int:
    if st.name in seen:
        return 0
    total = 1 if flexible else 0
    for f in st.fields:
        if regular_versions(f).contains(version):
            total += min_size(f, version, flexible, msg, seen + (st.name,))
    return total


def used_versions(msg: Message) -> dict[str, set[int]]:
    """For each struct, the versions in which some field of a used parent refers to it."""
    used: dict[str, set[int]] = {}

    def visit(st: Struct, versions: set[int]):
        for f in st.fields:
            if f.struct is None:
                continue
            vs = {v for v in versions if f.versions.contains(v)}
            new = vs - used.get(f.struct.name, set())
            if new:
                used.setdefault(f.struct.name, set()).update(new)
                visit(f.struct, new)

    visit(msg.top, set(range(msg.valid.lo, msg.valid.hi + 1)))
    return used


# ---------------------------------------------------------------------------
# Swift emission


def header_comment(source: str) -> list[str]:
    return [
        f"// Generated by tools/codegen/generate.py from {source}. DO NOT EDIT.",
        f"// Regenerate from the repository root with: {COMMAND}",
        "",
    ]


def doc(about: str, indent: str) -> list[str]:
    about = " ".join(about.split())
    return [f"{indent}/// {about}"] if about else []


def emit_struct(st: Struct, out: list[str], indent: str):
    msg = st.message
    ctx = msg.valid
    flex_range = msg.flexible.intersect(ctx)
    always_flex = not flex_range.empty and flex_range.lo <= ctx.lo
    never_flex = flex_range.empty
    flex_cond = "true" if always_flex else ("false" if never_flex else f"version >= {flex_range.lo}")
    i1 = indent + "    "
    i2 = i1 + "    "
    i3 = i2 + "    "
    path_prefix = msg.name if st.is_top else f"{msg.name}.{st.name}"

    def path(f: Field) -> str:
        return f'"{path_prefix}.{f.name}"'

    if st.is_top:
        protos = {"request": "KafkaRequestMessage", "response": "KafkaResponseMessage"}.get(msg.kind, "KafkaMessage")
        out.append(f"{indent}public struct {st.name}: {protos} {{")
        out.append(f'{i1}public static let messageName = "{msg.name}"')
        if msg.api_key is not None and msg.kind in ("request", "response"):
            out.append(f"{i1}public static let apiKey = ApiKey.{api_case(msg.name)}")
        out.append(f"{i1}public static let validVersions: ClosedRange<Int16> = {ctx.lo}...{ctx.hi}")
        out.append(f"{i1}public static let firstFlexibleVersion: Int16? = {'nil' if never_flex else flex_range.lo}")
        if msg.kind == "request":
            out.append(f"{i1}public typealias Response = {msg.name[:-len('Request')]}Response")
        out.append("")
    else:
        out.append(f"{indent}public struct {st.name}: KafkaStruct {{")

    # Properties
    for f in st.fields:
        out.extend(doc(f.about, i1))
        out.append(f"{i1}public var {ident(f.name)}: {swift_type(f)} = {default_expr(f, st)}")
    out.append("")

    # Inits
    out.append(f"{i1}public init() {{}}")
    if st.fields:
        params = ", ".join(f"{ident(f.name)}: {swift_type(f)} = {default_expr(f, st)}" for f in st.fields)
        out.append(f"{i1}public init({params}) {{")
        for f in st.fields:
            out.append(f"{i2}self.{f.name} = {ident(f.name)}")
        out.append(f"{i1}}}")
    out.append("")

    regular = [(f, regular_versions(f).intersect(ctx)) for f in st.fields]
    tagged = sorted([f for f in st.fields if f.tag is not None and not f.tagged.intersect(ctx).empty],
                    key=lambda f: f.tag)
    def ncond(f: Field) -> str:
        return cond(f.nullable.intersect(f.versions), ctx)

    def flex_of(f: Field, tagged_: bool) -> str:
        e = flex_expr(f, tagged_)
        if e == "flex":
            return flex_cond if (always_flex or never_flex) else "flex"
        return e

    def needs_flex_var(lines: list[str]) -> bool:
        return any(re.search(r"\bflex\b", ln) for ln in lines)

    # Reader
    body: list[str] = []
    for f, r in regular:
        if r.empty:
            continue
        c = cond(r, ctx)
        e = read_expr(f, st, "buffer", flex_of(f, False), ncond(f), path(f))
        body.append(f"{i2}self.{f.name} = {e}" if c == "true" else f"{i2}if {c} {{ self.{f.name} = {e} }}")
    if not never_flex:
        sect = []
        tag_path = f'"{path_prefix}"'
        if tagged:
            sect.append(f"{i3}for _ in 0..<(try buffer.readKTagCount({tag_path})) {{")
            sect.append(f"{i3}    var t = try buffer.readKTaggedField({tag_path})")
            sect.append(f"{i3}    switch t.tag {{")
            for f in tagged:
                tc = cond(f.tagged, ctx)
                where = "" if tc in ("true",) or f.tagged.covers(flex_range) else f" where {tc}"
                e = read_expr(f, st, "t.data", "true", ncond(f), path(f))
                sect.append(f"{i3}    case {f.tag}{where}: self.{f.name} = {e}")
            sect.append(f"{i3}    default: break")
            sect.append(f"{i3}    }}")
            sect.append(f"{i3}}}")
        else:
            sect.append(f"{i3}try buffer.skipKTaggedFields({tag_path})")
        if always_flex:
            body.extend(ln[4:] for ln in sect)
        else:
            body.append(f"{i2}if flex {{")
            body.extend(sect)
            body.append(f"{i2}}}")

    out.append(f"{i1}public init(from buffer: inout ByteBuffer, version: Int16) throws {{")
    if st.is_top:
        out.append(f"{i2}guard Self.validVersions.contains(version) else {{ throw KafkaProtocolError.unsupportedVersion(\"{msg.name}\", version, Self.validVersions) }}")
    out.append(f"{i2}self.init()")
    if needs_flex_var(body):
        out.append(f"{i2}let flex = {flex_cond}")
    out.extend(body)
    out.append(f"{i1}}}")
    out.append("")

    # Writer
    body = []
    for f in st.fields:
        if f.ignorable:
            continue
        present = f.versions.intersect(ctx)
        if present.lo <= ctx.lo and present.hi >= ctx.hi:
            continue
        c = cond(present, ctx)
        nd = nondefault_expr(f, st, f"self.{f.name}")
        guard = nd if c == "false" else f"!({c}) && {nd}"
        body.append(f"{i2}if {guard} {{ throw KafkaProtocolError.unsupportedField({path(f)}, version) }}")
    for f, r in regular:
        if r.empty:
            continue
        c = cond(r, ctx)
        s = write_stmt(f, st, "buffer", flex_of(f, False), ncond(f), path(f))
        body.append(f"{i2}{s}" if c == "true" else f"{i2}if {c} {{ {s} }}")
    if not never_flex:
        sect = []
        if tagged:
            sect.append(f"{i3}var t = KafkaTaggedFieldWriter()")
            for f in tagged:
                tc = cond(f.tagged, ctx)
                nd = nondefault_expr(f, st, f"self.{f.name}")
                g = nd if tc == "true" or f.tagged.covers(flex_range) else f"{tc} && {nd}"
                s = write_stmt(f, st, "t.data", "true", ncond(f), path(f))
                sect.append(f"{i3}if {g} {{ {s}; t.commit({f.tag}) }}")
            sect.append(f"{i3}t.write(to: &buffer)")
        else:
            sect.append(f"{i3}buffer.writeKEmptyTaggedFields()")
        if always_flex:
            body.extend(ln[4:] for ln in sect)
        else:
            body.append(f"{i2}if flex {{")
            body.extend(sect)
            body.append(f"{i2}}}")
    out.append(f"{i1}public func write(to buffer: inout ByteBuffer, version: Int16) throws {{")
    if st.is_top:
        out.append(f"{i2}guard Self.validVersions.contains(version) else {{ throw KafkaProtocolError.unsupportedVersion(\"{msg.name}\", version, Self.validVersions) }}")
    if needs_flex_var(body):
        out.append(f"{i2}let flex = {flex_cond}")
    out.extend(body)
    out.append(f"{i1}}}")

    # Minimum encoded size (guards array counts against the remaining bytes), over the
    # versions in which the struct can actually appear.
    if not st.is_top:
        mins = {}
        used = used_versions(msg).get(st.name, set())
        for fl in (False, True):
            vs = [v for v in sorted(used) if msg.flexible.contains(v) == fl]
            if vs:
                mins[fl] = min(struct_min_size(st, v, fl, msg) for v in vs)
        if any(m != 1 for m in mins.values()):
            nf = mins.get(False, 1)
            fl = mins.get(True, 1)
            expr = str(nf) if nf == fl else f"flexible ? {fl} : {nf}"
            out.append("")
            out.append(f"{i1}public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int {{ {expr} }}")
    out.append(f"{indent}}}")


def api_case(message_name: str) -> str:
    base = re.sub(r"(Request|Response)$", "", message_name)
    return lower_camel(base)


def emit_message(msg: Message) -> str:
    out = header_comment(msg.file)
    out.append("import NIOCore")
    out.append("")
    emit_struct(msg.top, out, "")
    for st in msg.structs:
        out.append("")
        out.append(f"extension {msg.name} {{")
        emit_struct(st, out, "    ")
        out.append("}")
    return "\n".join(out) + "\n"


def emit_api_keys(requests: list[Message], responses: dict[int, Message]) -> str:
    out = header_comment("messages/*Request.json")
    out.append("import NIOCore")
    out.append("")
    out.append("/// Which servers accept an API.")
    out.append("public struct ApiListeners: OptionSet, Hashable, Sendable {")
    out.append("    public let rawValue: UInt8")
    out.append("    public init(rawValue: UInt8) { self.rawValue = rawValue }")
    out.append("    public static let zkBroker = ApiListeners(rawValue: 1)")
    out.append("    public static let broker = ApiListeners(rawValue: 2)")
    out.append("    public static let controller = ApiListeners(rawValue: 4)")
    out.append("}")
    out.append("")
    out.append("/// Every Kafka API key defined by the schemas.")
    out.append("public enum ApiKey: Int16, CaseIterable, Hashable, Sendable, CustomStringConvertible {")
    for m in requests:
        out.append(f"    case {api_case(m.name)} = {m.api_key}")
    out.append("")

    def switch(prop: str, typ: str, value, doc_: str):
        out.append(f"    /// {doc_}")
        out.append(f"    public var {prop}: {typ} {{")
        out.append("        switch self {")
        for m in requests:
            out.append(f"        case .{api_case(m.name)}: {value(m)}")
        out.append("        }")
        out.append("    }")
        out.append("")

    switch("name", "String", lambda m: swift_string_literal(m.name[:-len("Request")]), "The API's name, e.g. `Fetch`.")
    switch("requestType", "any KafkaRequestMessage.Type", lambda m: f"{m.name}.self", "The request message type.")
    switch("responseType", "any KafkaResponseMessage.Type", lambda m: f"{responses[m.api_key].name}.self", "The response message type.")

    def listeners(m: Message) -> str:
        names = [n for n in ("zkBroker", "broker", "controller") if n in m.listeners]
        return "[" + ", ".join("." + n for n in names) + "]"

    switch("listeners", "ApiListeners", listeners, "Which servers accept the request.")
    unstable = [m for m in requests if m.latest_unstable]
    out.append("    /// Whether the highest version is still in development (`latestVersionUnstable`).")
    out.append("    public var isLatestVersionUnstable: Bool {")
    out.append("        switch self {")
    if unstable:
        out.append("        case " + ", ".join("." + api_case(m.name) for m in unstable) + ": true")
    out.append("        default: false")
    out.append("        }")
    out.append("    }")
    out.append("")
    dep = [m for m in requests if not m.deprecated.empty]
    out.append("    /// Versions that still work but are slated for removal, if any.")
    out.append("    public var deprecatedVersions: ClosedRange<Int16>? {")
    out.append("        switch self {")
    for m in dep:
        out.append(f"        case .{api_case(m.name)}: {m.deprecated.lo}...{min(m.deprecated.hi, m.valid.hi)}")
    out.append("        default: nil")
    out.append("        }")
    out.append("    }")
    out.append("")
    out.append("    /// The versions the request and response define.")
    out.append("    public var validVersions: ClosedRange<Int16> { requestType.validVersions }")
    out.append("    /// The lowest flexible version, or nil if none is flexible.")
    out.append("    public var firstFlexibleVersion: Int16? { requestType.firstFlexibleVersion }")
    out.append("")
    out.append("    /// Whether `version` uses the flexible encoding. Defined for any version, valid or not,")
    out.append("    /// so a header can be parsed before the version is checked.")
    out.append("    public func isFlexible(_ version: Int16) -> Bool {")
    out.append("        guard let first = firstFlexibleVersion else { return false }")
    out.append("        return version >= first")
    out.append("    }")
    out.append("")
    out.append("    /// The request header version: v2 for flexible versions, otherwise v1;")
    out.append("    /// ControlledShutdown v0 uses header v0.")
    out.append("    public func requestHeaderVersion(for version: Int16) -> Int16 {")
    out.append("        if self == .controlledShutdown && version == 0 { return 0 }")
    out.append("        return isFlexible(version) ? 2 : 1")
    out.append("    }")
    out.append("")
    out.append("    /// The response header version: v1 for flexible versions, otherwise v0;")
    out.append("    /// ApiVersions responses always use header v0.")
    out.append("    public func responseHeaderVersion(for version: Int16) -> Int16 {")
    out.append("        if self == .apiVersions { return 0 }")
    out.append("        return isFlexible(version) ? 1 : 0")
    out.append("    }")
    out.append("")
    out.append("    public var description: String { name }")
    out.append("}")
    out.append("")

    for kind, msgs in (("Request", requests), ("Response", [responses[m.api_key] for m in requests])):
        proto = f"Kafka{kind}Message"
        out.append(f"/// A decoded {kind.lower()} body of any API, for dispatch with `switch`.")
        out.append(f"public enum Kafka{kind}Body: Equatable, Sendable {{")
        for m in msgs:
            out.append(f"    case {api_case(m.name)}({m.name})")
        out.append("")
        out.append(f"    /// Decodes the {kind.lower()} body of `apiKey` at `version`.")
        out.append("    public init(apiKey: ApiKey, version: Int16, from buffer: inout ByteBuffer) throws {")
        out.append("        switch apiKey {")
        for m in msgs:
            c = api_case(m.name)
            out.append(f"        case .{c}: self = .{c}(try {m.name}(from: &buffer, version: version))")
        out.append("        }")
        out.append("    }")
        out.append("")
        out.append(f"    /// Wraps a {kind.lower()} message.")
        out.append(f"    public init(_ message: any {proto}) {{")
        out.append("        switch message {")
        for m in msgs:
            out.append(f"        case let m as {m.name}: self = .{api_case(m.name)}(m)")
        out.append(f'        default: preconditionFailure("unknown {kind.lower()} type \\(type(of: message))")')
        out.append("        }")
        out.append("    }")
        out.append("")
        out.append(f"    /// The wrapped message.")
        out.append(f"    public var message: any {proto} {{")
        out.append("        switch self {")
        for m in msgs:
            out.append(f"        case .{api_case(m.name)}(let m): m")
        out.append("        }")
        out.append("    }")
        out.append("")
        out.append("    public var apiKey: ApiKey { type(of: message).apiKey }")
        out.append("")
        out.append("    public func write(to buffer: inout ByteBuffer, version: Int16) throws {")
        out.append("        try message.write(to: &buffer, version: version)")
        out.append("    }")
        out.append("}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------
# Test samples


def sample_value(f: Field, st: Struct, idx: int) -> str:
    """A non-default Swift literal for a field (elements for arrays)."""
    t = f.elem
    d = None if (f.is_array or f.is_struct) else default_value(f, st)
    if t in INT_TYPES:
        lo, hi = INT_TYPES[t]
        base = {"int8": 10 + idx, "int16": 1000 + idx, "uint16": 60000 + idx, "int32": -100000 - idx,
                "uint32": 4_000_000_000 + idx, "int64": (1 << 40) + idx}[t]
        base = max(lo, min(hi, base))
        if base == d:
            base += 1
        return str(base)
    if t == "bool":
        return "false" if d is True else "true"
    if t == "float64":
        return repr(1.5 + idx)
    if t == "string":
        return swift_string_literal(f"{f.name}-{idx}-\u00e9")
    if t == "uuid":
        return f"KafkaUUID(mostSignificantBits: 0x0123456789ABCDEF &+ {idx}, leastSignificantBits: {idx + 1})"
    if t == "bytes":
        return f"[1, 2, {idx % 256}]"
    if t == "records":
        return f"ByteBuffer(bytes: [0xAA, 0xBB, {idx % 256}])"
    if f.is_struct:
        return f"{f.struct.swift_path}.sample(v, k)"
    raise SchemaError(f"no sample for {t}")


def emit_samples(messages: list[Message], source: str = "messages/*.json",
                 list_name: str = "allGeneratedMessageTypes", define_protocol: bool = True) -> str:
    out = header_comment(source)
    out.append("import NIOCore")
    out.append("import KafkaProtocol")
    out.append("")
    if define_protocol:
        out.append("/// A generated message that can build non-default sample values for a version.")
        out.append("protocol KafkaSampled: KafkaMessage {")
        out.append("    /// Variant 0 fills every field present at version `v` with a non-null, non-default value;")
        out.append("    /// variant 1 uses null wherever `v` allows it and two-element arrays of structs.")
        out.append("    static func sample(_ v: Int16, _ k: Int) -> Self")
        out.append("}")
        out.append("")
    out.append(f"let {list_name}: [any KafkaSampled.Type] = [")
    for m in messages:
        out.append(f"    {m.name}.self,")
    out.append("]")
    for m in messages:
        for st in [m.top] + m.structs:
            ctx = m.valid
            out.append("")
            conf = ": KafkaSampled" if st.is_top else ""
            out.append(f"extension {st.swift_path}{conf} {{")
            out.append(f"    static func sample(_ v: Int16, _ k: Int) -> Self {{")
            stmts = []
            for idx, f in enumerate(st.fields):
                present = f.versions.intersect(ctx)
                if present.empty:
                    continue
                c = cond(present, ctx, "v")
                val = sample_value(f, st, idx)
                if f.is_array:
                    if f.is_struct:
                        val = f"k == 0 ? [{val}] : [{val}, {f.struct.swift_path}.sample(v, 0)]"
                    elif f.type == "[]string":
                        val = f"[{val}, \"\"]"
                    else:
                        val = f"[{val}, {sample_value(f, st, idx + 1)}]"
                nc = cond(f.nullable.intersect(f.versions), ctx, "v")
                if is_optional(f) and nc != "false":
                    if nc == "true":
                        val = f"k == 1 ? nil : {val}" if not f.is_array else f"k == 1 ? nil : ({val})"
                    else:
                        val = f"k == 1 && {nc} ? nil : {val}" if not f.is_array else f"k == 1 && {nc} ? nil : ({val})"
                stmt = f"s.{f.name} = {val}"
                stmts.append(f"        {stmt}" if c == "true" else f"        if {c} {{ {stmt} }}")
            if stmts:
                out.append("        var s = Self()")
                out.extend(stmts)
                out.append("        return s")
            else:
                out.append("        return Self()")
            out.append("    }")
            out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------


def write_if_changed(path: str, text: str) -> bool:
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate Swift Kafka protocol codecs from JSON schemas.")
    ap.add_argument("messages", nargs="?", default=DEFAULT_MESSAGES,
                    help="folder of Kafka message schemas (default: %(default)s)")
    ap.add_argument("--internal-records", default=DEFAULT_INTERNAL,
                    help="folder of Kafka's internal-records schemas (default: %(default)s)")
    ap.add_argument("--out", default=OUT_DIR, help="output folder for the module's generated Swift")
    ap.add_argument("--test-out", default=TEST_OUT_DIR, help="output folder for generated test samples")
    args = ap.parse_args(argv)

    files = sorted(glob.glob(os.path.join(args.messages, "*.json")))
    if not files:
        print(f"error: no *.json schemas in {args.messages}", file=sys.stderr)
        return 1
    messages = []
    for p in files:
        try:
            m = parse_message(p)
        except SchemaError as e:
            print(f"error: {os.path.basename(p)}: {e}", file=sys.stderr)
            return 1
        if m.kind not in ("request", "response", "header", "data"):
            print(f"skipping {os.path.basename(p)}: type {m.kind}", file=sys.stderr)
            continue
        messages.append(m)

    requests = sorted([m for m in messages if m.kind == "request"], key=lambda m: m.api_key)
    responses = {m.api_key: m for m in messages if m.kind == "response"}
    for r in requests:
        resp = responses.get(r.api_key)
        if resp is None or resp.name != r.name[:-len("Request")] + "Response":
            print(f"error: no matching response for {r.name}", file=sys.stderr)
            return 1

    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.test_out, exist_ok=True)
    expected = set()
    changed = 0
    for m in messages:
        name = f"{m.name}.swift"
        expected.add(name)
        changed += write_if_changed(os.path.join(args.out, name), emit_message(m))
    expected.add("ApiKey.swift")
    changed += write_if_changed(os.path.join(args.out, "ApiKey.swift"), emit_api_keys(requests, responses))
    for stale in sorted(set(os.listdir(args.out)) - expected):
        if stale.endswith(".swift"):
            os.remove(os.path.join(args.out, stale))
            changed += 1
    changed += write_if_changed(os.path.join(args.test_out, "Samples.swift"), emit_samples(messages))

    internal = []
    for name in INTERNAL_RECORDS:
        p = os.path.join(args.internal_records, f"{name}.json")
        try:
            m = parse_message(p)
        except FileNotFoundError:
            print(f"error: {p}: not found", file=sys.stderr)
            return 1
        except SchemaError as e:
            print(f"error: {name}.json: {e}", file=sys.stderr)
            return 1
        if m.kind != "data" or m.api_key is not None:
            print(f"error: {name}.json: expected an internal record (type data, no apiKey)", file=sys.stderr)
            return 1
        if m.name in {x.name for x in messages}:
            print(f"error: {name}.json: the name clashes with a message schema", file=sys.stderr)
            return 1
        m.file = f"internal-records/{m.file}"
        internal.append(m)
    internal_out = os.path.join(args.out, INTERNAL_SUBDIR)
    os.makedirs(internal_out, exist_ok=True)
    internal_expected = set()
    for m in internal:
        name = f"{m.name}.swift"
        internal_expected.add(name)
        changed += write_if_changed(os.path.join(internal_out, name), emit_message(m))
    for stale in sorted(set(os.listdir(internal_out)) - internal_expected):
        if stale.endswith(".swift"):
            os.remove(os.path.join(internal_out, stale))
            changed += 1
    changed += write_if_changed(os.path.join(args.test_out, "InternalRecordSamples.swift"),
                                emit_samples(internal, "internal-records/*.json", "allInternalRecordTypes", False))
    print(f"{len(messages)} schemas -> {args.out}, {len(internal)} internal records -> {internal_out} "
          f"({changed} file(s) changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
