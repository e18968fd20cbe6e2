/** Live dialogs, indexed by the drachtio dialog id and by the RFC 3261 §12.2.2 matching key. */
import { Dialog } from './dialog.js';

export class DialogStore {
  private readonly byId = new Map<string, Dialog>();
  private readonly byKey = new Map<string, Dialog>();

  add(dialog: Dialog): void {
    this.byId.set(dialog.id, dialog);
    this.byKey.set(dialog.matchKey, dialog);
  }

  /** The remote tag of a UAC dialog is learnt late (first tagged response): re-index it. */
  rekey(dialog: Dialog, oldKey: string): void {
    if (this.byKey.get(oldKey) === dialog) {
      this.byKey.delete(oldKey);
    }
    this.byKey.set(dialog.matchKey, dialog);
  }

  getById(id: string): Dialog | undefined {
    return this.byId.get(id);
  }

  match(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.byKey.get(Dialog.key(callId, localTag, remoteTag));
  }

  remove(dialog: Dialog): void {
    if (this.byId.get(dialog.id) === dialog) {
      this.byId.delete(dialog.id);
    }
    if (this.byKey.get(dialog.matchKey) === dialog) {
      this.byKey.delete(dialog.matchKey);
    }
  }

  values(): IterableIterator<Dialog> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
