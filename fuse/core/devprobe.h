/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dma-buf filesystem's device, learned by exporting a buffer of our
 * own. maps lines name a buffer by path, device and inode; only the device
 * says the mapping is a dma-buf and not any file placed at "/dmabuf:X".
 */
#ifndef DMABUFFS_DEVPROBE_H
#define DMABUFFS_DEVPROBE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Export one small buffer from whatever exporter this machine has (the
 * system dma-heap, udmabuf, a DRM device's dumb buffers), fstat() it and
 * free it. Needs the exporter's device nodes, which are usually root's.
 * Sets *dev (makedev() form) and *escaped (its fdinfo is the series', so
 * the kernel escapes names: kernel/patches) and returns 0, or -ENODEV when
 * no exporter could be used.
 */
int dbf_dmabuf_dev_probe(uint64_t *dev, bool *escaped);

struct dbf_scan_opts;

/*
 * Probe for @o when it can help: the device is not known yet, we are root
 * (the exporters' nodes are root's) and the proc root is the real /proc (a
 * capture under another root says nothing about this kernel).
 */
void dbf_scan_opts_probe(struct dbf_scan_opts *o);

#endif
