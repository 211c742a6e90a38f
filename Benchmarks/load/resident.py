#!/usr/bin/env python3
"""Which parts of a running process's memory are resident: per mapping, and per ELF section of its executable.

    Benchmarks/load/resident.py PID            (as root, or as the process's user with CAP_SYS_ADMIN for pagemap)

VmRSS counts every page mapped into the process: its own memory and the file pages of the executable and
libraries it has touched (the kernel also maps cached neighbours of each touched page, 64 KiB at a time). This
reads /proc/PID/maps and /proc/PID/pagemap (bit 63: page present) and, for the executable, maps each resident page
back to the section that holds it (from `readelf -SW`), which is how BENCHMARKS.md §6 found the relocation and
dynamic symbol tables in the server's RSS. Read-only; the process is not stopped.
"""
import collections
import os
import re
import struct
import subprocess
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def present_pages(pagemap, low, high):
    """Addresses of the resident pages in [low, high)."""
    try:
        pagemap.seek(low // PAGE * 8)
        data = pagemap.read((high - low) // PAGE * 8)
    except OSError:  # [vsyscall] and similar cannot be read
        return []
    return [low + i * PAGE for i in range(len(data) // 8) if struct.unpack_from("<Q", data, i * 8)[0] >> 63]


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    pid = sys.argv[1]
    executable = os.path.realpath(f"/proc/{pid}/exe")
    per_mapping = collections.Counter()
    executable_pages = []  # (file offset of the page)
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            fields = line.split()
            low, high = (int(x, 16) for x in fields[0].split("-"))
            path = fields[5] if len(fields) > 5 else "[anonymous]"
            pages = present_pages(pagemap, low, high)
            per_mapping[f"{path} {fields[1]}"] += len(pages) * PAGE // 1024
            if path == executable:
                offset = int(fields[2], 16)
                executable_pages += [page - low + offset for page in pages]
    print(f"resident KiB per mapping (total {sum(per_mapping.values())}):")
    for name, kib in per_mapping.most_common(15):
        print(f"{kib:9d}  {name}")

    # File offset -> section, for sections that occupy file space (.bss and other NOBITS sections do not).
    sections = []
    listing = subprocess.run(["readelf", "-SW", executable], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        match = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if match and match.group(2) != "NOBITS" and int(match.group(4), 16) > 0:
            sections.append((int(match.group(3), 16), int(match.group(4), 16), match.group(1)))
    per_section = collections.Counter()
    for offset in executable_pages:
        names = [name for start, size, name in sections if start <= offset < start + size]
        per_section[names[0] if names else "(between sections)"] += PAGE // 1024
    print(f"\nresident KiB of {executable} per section:")
    for name, kib in per_section.most_common(15):
        print(f"{kib:9d}  {name}")


if __name__ == "__main__":
    main()
