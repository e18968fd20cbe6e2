/**
 * glibc functions bound through koffi, once per thread, for the media paths that call the kernel directly (socket
 * reads and writes, io_uring, thread scheduling). Off glibc Linux, or when the library cannot be loaded, the
 * binding is undefined and each caller keeps its portable path.
 */
import koffi from 'koffi';

export type LibcLibrary = ReturnType<typeof koffi.load>;

/**
 * A loader for what `bind` makes of libc: the first call loads and binds (a throwing `bind` counts as unavailable),
 * later calls answer the same value. Module-level loaders are per thread, as each worker has its own modules.
 */
export function libcBinding<T>(bind: (libc: LibcLibrary) => T): () => T | undefined {
  let bound: T | null | undefined;
  return () => {
    if (bound === undefined) {
      bound = null;
      if (process.platform === 'linux') {
        try {
          bound = bind(koffi.load('libc.so.6'));
        } catch {
          bound = null;
        }
      }
    }
    return bound ?? undefined;
  };
}
