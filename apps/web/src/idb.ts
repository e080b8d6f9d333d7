/**
 * The tab's one IndexedDB store (`glow` / `identity`): its device key or node key, and the
 * certificate it paired with. Each call opens and closes the database, so nothing holds it open
 * across a reload or an upgrade.
 */

const DB = 'glow';
const STORE = 'identity';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB refused to open'));
  });
}

function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = act(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result as T);
        };
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      }),
  );
}

/** The value stored under `key`, unchecked (undefined when there is none). */
export function readEntry(key: string): Promise<unknown> {
  return run<unknown>('readonly', (store) => store.get(key));
}

/** Stores `value` (anything structured-cloneable: bytes, a CryptoKey) under `key`. */
export async function writeEntry(key: string, value: unknown): Promise<void> {
  await run('readwrite', (store) => store.put(value, key));
}

/** Deletes what is stored under `key`. */
export async function deleteEntry(key: string): Promise<void> {
  await run('readwrite', (store) => store.delete(key));
}
