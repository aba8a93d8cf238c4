#!/usr/bin/env python3
"""Mark chosen symbol-version requirements of an ELF64 shared library as weak (VER_FLG_WEAK).

Why: TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 in .gnu.version_r, but Debian 12's
libstdc++ stops at GLIBCXX_3.4.30, so the loader refuses the whole library. Its only 3.4.32 symbol
(std::ios_base_library_init) is never relocated, so a weak requirement is enough: the loader then
tolerates the missing version instead of failing.

The file is rewritten through a temporary copy + rename, so a hard link (for example into the NuGet
cache) is never modified in place. Idempotent: running it twice changes nothing the second time.

usage: weaken_glibcxx.py LIB.so [VERSION ...]      (default VERSION: GLIBCXX_3.4.32)
Standard library only.
"""
import os
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def c_string(data: bytes, offset: int) -> str:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii", "replace")


def weaken(data: bytearray, versions: set[str]) -> list[str]:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("not a little-endian ELF64 file")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for k in range(e_shnum):
        base = e_shoff + k * e_shentsize
        # Elf64_Shdr: name u32, type u32, flags u64, addr u64, offset u64, size u64, link u32, info u32, ...
        _, sh_type, _, _, sh_offset, sh_size, sh_link, sh_info = struct.unpack_from("<IIQQQQII", data, base)
        sections.append((sh_type, sh_offset, sh_size, sh_link, sh_info))
    changed = []
    for sh_type, sh_offset, _, sh_link, sh_info in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab = sections[sh_link][1]
        need = sh_offset
        for _ in range(sh_info):  # sh_info = number of Verneed entries
            # Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
            _, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, need)
            aux = need + vn_aux
            for _ in range(vn_cnt):
                # Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                _, vna_flags, _, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                name = c_string(data, strtab + vna_name)
                if name in versions and not vna_flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                    changed.append(f"{c_string(data, strtab + vn_file)}:{name}")
                aux += vna_next
                if vna_next == 0:
                    break
            need += vn_next
            if vn_next == 0:
                break
    return changed


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    path = sys.argv[1]
    versions = set(sys.argv[2:]) or {"GLIBCXX_3.4.32"}
    with open(path, "rb") as f:
        data = bytearray(f.read())
    changed = weaken(data, versions)
    if not changed:
        print(f"{path}: nothing to weaken (already weak or not required)")
        return
    tmp = path + ".weaken.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, os.stat(path).st_mode)
    os.replace(tmp, path)  # new inode: hard links elsewhere keep the original bytes
    print(f"{path}: marked weak: {', '.join(changed)}")


if __name__ == "__main__":
    main()
