"""Checks that the listener jar links against a Spark runtime's jars, without starting a JVM.

The jar is compiled against one Spark (listener/build.sh). Every class, method and field it names in another jar
(Spark, Scala, slf4j) must exist in each Spark it runs on with exactly the JVM descriptor it was compiled with, or the
JVM throws NoSuchMethodError, NoSuchFieldError or NoClassDefFoundError when the call is first made. Scala 2.12 and
2.13 differ in such descriptors (collections), and so do Spark releases. This reads the class files' constant pools
and resolves each reference the way the JVM does (the named class, then its superclasses and superinterfaces), and
checks that each concrete class of the jar implements every abstract method its supertypes have in that runtime
(else AbstractMethodError), and that the class files load on Java 8 (Spark 3.5's oldest JVM).

Calls made by reflection or method handles (listener Compat.java, SqlExecutions.java) are not seen here: the
integration test integration/test_spark_versions.py runs them in real drivers.

    python listener/linkcheck.py JAR RUNTIME_JARS_DIR...   # exit 1 with one line per problem
"""

from __future__ import annotations

import functools
import os
import shutil
import struct
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

JAVA8_CLASS_VERSION = 52
JAVA8_RELEASE = "8"  # ct.sym names each release by one character: 7, 8, 9, A (10), B (11)...
ACC_INTERFACE, ACC_ABSTRACT = 0x0200, 0x0400


@dataclass
class ClassFile:
    name: str
    major: int
    flags: int
    super: str | None
    interfaces: list[str]
    methods: dict[tuple[str, str], int]  # (name, descriptor) -> access flags
    fields: set[tuple[str, str]]
    class_refs: set[str] = field(default_factory=set)
    member_refs: set[tuple[str, str, str, str]] = field(default_factory=set)  # (kind, owner, name, descriptor)


def parse(data: bytes) -> ClassFile:
    """Parses the parts of a class file that linking needs (JVMS chapter 4)."""
    if data[:4] != b"\xca\xfe\xba\xbe":
        raise ValueError("not a class file")
    _minor, major, count = struct.unpack_from(">HHH", data, 4)
    pos, cp, i = 10, [None] * count, 1
    while i < count:
        tag = data[pos]
        pos += 1
        if tag == 1:
            (n,) = struct.unpack_from(">H", data, pos)
            cp[i] = ("utf8", data[pos + 2 : pos + 2 + n].decode("utf-8", errors="replace"))
            pos += 2 + n
        elif tag in (3, 4):
            pos += 4
        elif tag in (5, 6):
            pos += 8
            i += 1  # takes two slots
        elif tag in (7, 8, 16, 19, 20):
            cp[i] = (tag, struct.unpack_from(">H", data, pos)[0])
            pos += 2
        elif tag in (9, 10, 11, 12, 17, 18):
            cp[i] = (tag, *struct.unpack_from(">HH", data, pos))
            pos += 4
        elif tag == 15:
            pos += 3
        else:
            raise ValueError(f"unknown constant pool tag {tag}")
        i += 1

    def utf8(index: int) -> str:
        return cp[index][1]

    def class_name(index: int) -> str:
        return utf8(cp[index][1])

    flags, this, sup, n_if = struct.unpack_from(">HHHH", data, pos)
    pos += 8
    interfaces = [class_name(struct.unpack_from(">H", data, pos + 2 * k)[0]) for k in range(n_if)]
    pos += 2 * n_if

    def members(pos: int) -> tuple[list[tuple[int, str, str]], int]:
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        out = []
        for _ in range(n):
            acc, name, desc, n_attr = struct.unpack_from(">HHHH", data, pos)
            pos += 8
            for _ in range(n_attr):
                pos += 6 + struct.unpack_from(">I", data, pos + 2)[0]
            out.append((acc, utf8(name), utf8(desc)))
        return out, pos

    fields, pos = members(pos)
    methods, pos = members(pos)
    cf = ClassFile(
        name=class_name(this),
        major=major,
        flags=flags,
        super=class_name(sup) if sup else None,
        interfaces=interfaces,
        methods={(n, d): acc for acc, n, d in methods},
        fields={(n, d) for _, n, d in fields},
    )
    kinds = {9: "field", 10: "method", 11: "method"}
    for entry in cp:
        if entry is None or entry[0] == "utf8":
            continue
        if entry[0] == 7:
            cf.class_refs.add(utf8(entry[1]))
        elif entry[0] in kinds:
            nat = cp[entry[2]]
            cf.member_refs.add((kinds[entry[0]], class_name(entry[1]), utf8(nat[1]), utf8(nat[2])))
    return cf


class Runtime:
    """The classes of a Spark runtime's jars and of the Java 8 platform (the JDK's lib/ct.sym, which javac --release
    reads), indexed by name and parsed when first needed."""

    def __init__(self, jar_dirs: list[Path], jdk_home: Path | None = None):
        self.where: dict[str, tuple[zipfile.ZipFile, str]] = {}
        self.parsed: dict[str, ClassFile | None] = {}
        self.where.update(java8_classes(jdk_home or find_jdk()))
        for d in jar_dirs:
            for jar in sorted(Path(d).glob("*.jar")):
                z = zipfile.ZipFile(jar)
                for entry in z.namelist():
                    if entry.endswith(".class") and not entry.startswith("META-INF/"):
                        self.where.setdefault(entry[: -len(".class")], (z, entry))

    def get(self, name: str) -> ClassFile | None:
        if name not in self.parsed:
            found = self.where.get(name)
            self.parsed[name] = parse(found[0].read(found[1])) if found else None
        return self.parsed[name]


@functools.cache
def java8_classes(jdk_home: Path) -> dict[str, tuple[zipfile.ZipFile, str]]:
    """Java 8's classes in the JDK's lib/ct.sym: entries "<releases>/<module>/<class>.sig", where <releases> names
    each release the entry is for by one character ("87", "9A")."""
    ct_sym = zipfile.ZipFile(jdk_home / "lib" / "ct.sym")
    where: dict[str, tuple[zipfile.ZipFile, str]] = {}
    for entry in ct_sym.namelist():
        parts = entry.split("/", 2)
        if len(parts) == 3 and JAVA8_RELEASE in parts[0] and entry.endswith(".sig"):
            where.setdefault(parts[2][: -len(".sig")], (ct_sym, entry))
    return where


def find_jdk() -> Path:
    """The JDK of JAVA_HOME, else of the javac on PATH."""
    if os.environ.get("JAVA_HOME"):
        return Path(os.environ["JAVA_HOME"])
    javac = shutil.which("javac")
    if javac is None:
        raise SystemExit("linkcheck: needs a JDK (javac on PATH, or JAVA_HOME)")
    return Path(os.path.realpath(javac)).parents[1]


def descriptor_classes(desc: str) -> list[str]:
    out, i = [], 0
    while i < len(desc):
        if desc[i] == "L":
            end = desc.index(";", i)
            out.append(desc[i + 1 : end])
            i = end
        i += 1
    return out


def check(jar: Path, runtime: Runtime) -> list[str]:
    """The problems of linking `jar` against `runtime`, one sentence each (empty when it links)."""
    ours: dict[str, ClassFile] = {}
    with zipfile.ZipFile(jar) as z:
        for entry in z.namelist():
            if entry.endswith(".class"):
                cf = parse(z.read(entry))
                ours[cf.name] = cf
    problems = []

    def lookup(name: str) -> ClassFile | None:
        return ours.get(name) or runtime.get(name)

    def ancestors(name: str) -> list[ClassFile]:
        """The class and all its supertypes that exist (classes and interfaces, nearest first)."""
        seen, order, todo = set(), [], [name]
        while todo:
            cf = lookup(todo.pop(0))
            if cf is None or cf.name in seen:
                continue
            seen.add(cf.name)
            order.append(cf)
            todo.extend(([cf.super] if cf.super else []) + cf.interfaces)
        return order

    def resolve(kind: str, owner: str, name: str, desc: str) -> bool:
        for cf in ancestors(owner) + ([lookup("java/lang/Object")] if kind == "method" else []):
            if cf and (
                (kind == "method" and (name, desc) in cf.methods) or (kind == "field" and (name, desc) in cf.fields)
            ):
                return True
        # MethodHandle.invoke and invokeExact are signature-polymorphic: any descriptor links.
        return kind == "method" and owner == "java/lang/invoke/MethodHandle" and name in ("invoke", "invokeExact")

    for cf in ours.values():
        where = cf.name.replace("/", ".")
        if cf.major > JAVA8_CLASS_VERSION:
            problems.append(
                f"{where}: class file version {cf.major} does not load on Java 8 (needs {JAVA8_CLASS_VERSION})"
            )
        names = set(cf.class_refs) | {t for (n, d) in cf.methods for t in descriptor_classes(d)}
        names |= {t for (n, d) in cf.fields for t in descriptor_classes(d)}
        for ref in sorted(names):
            for n in [ref] if not ref.startswith("[") else descriptor_classes(ref):
                if lookup(n) is None:
                    problems.append(f"{where}: class {n.replace('/', '.')} is missing (NoClassDefFoundError)")
        for kind, owner, name, desc in sorted(cf.member_refs):
            if owner.startswith("[") or lookup(owner) is None:
                continue  # an array's clone(), or a missing class (reported above)
            if not resolve(kind, owner, name, desc):
                error = "NoSuchMethodError" if kind == "method" else "NoSuchFieldError"
                problems.append(f"{where}: {owner.replace('/', '.')}.{name}{desc} is missing ({error})")
        if not cf.flags & (ACC_INTERFACE | ACC_ABSTRACT):
            chain = ancestors(cf.name)
            concrete = {m for c in chain for m, acc in c.methods.items() if not acc & ACC_ABSTRACT}
            for c in chain:
                for m, acc in c.methods.items():
                    if acc & ACC_ABSTRACT and m not in concrete:
                        problems.append(
                            f"{where}: does not implement {c.name.replace('/', '.')}.{m[0]}{m[1]} (AbstractMethodError)"
                        )
    return sorted(set(problems))


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        sys.stderr.write(__doc__.rsplit("\n\n", 1)[1] + "\n")
        return 2
    problems = check(Path(argv[1]), Runtime([Path(d) for d in argv[2:]]))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
