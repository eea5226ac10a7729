// shared_index.h — the WAL index (DIR/state.db-shm) as a fault, not a signal. SQLite
// maps that file into every process that opens the store. When it shrinks under a
// running process (root truncating it, an I/O error on its page), the next access
// raises SIGBUS, and the process would die without answering anyone.
//
// Guarding turns that fault into a lasting store error: the handler maps zeroed
// private memory over the lost mapping, so the faulting access completes, and marks
// the index lost. From then on this process's view of the index is its own, not the
// one other processes share, so nothing here may commit through it: a transaction
// that saw the loss before its COMMIT is rolled back and every later one refused
// (Transaction, sqlite_db.h). Other processes rebuild the index from the WAL file,
// which holds every committed transaction; this process must exit and start again to
// share it (serve does, after answering the requests in flight).
//
// A COMMIT during which the index is lost stands: its pages were read while the
// index was sound, and the WAL frames it writes are what the rebuilding reads.
#pragma once

namespace selfheal::sqlite {

// Installs the SIGBUS handler once per process; later calls do nothing. A SIGBUS that
// is not about a "-shm" file mapped shared, or that another process sent, keeps the
// default action (the process dies of it, as without the guard).
void GuardSharedIndex();

// Whether a mapped "-shm" file faulted in this process since it started. Sticky.
bool SharedIndexLost();

}  // namespace selfheal::sqlite
