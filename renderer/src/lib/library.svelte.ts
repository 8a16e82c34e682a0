/**
 * The library view's state: the current query (folder, filters, sort,
 * search), the photos loaded so far through keyset paging, and the selection.
 */
import { SvelteSet } from 'svelte/reactivity';
import type { FolderSummary, LibraryQuery, Photo, ServiceEvent, YonosApi } from '$common/contract';
import { photoSchema } from '$common/contract';

export type SortKey = NonNullable<LibraryQuery['sort']>;
export type StatusFilter = NonNullable<LibraryQuery['status']> | 'all' | 'missing';

const pageSize = 200;

export class LibraryStore {
  photos = $state<Photo[]>([]);
  folders = $state<FolderSummary[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);

  folder = $state<string | null>(null);
  status = $state<StatusFilter>('all');
  search = $state('');
  sort = $state<SortKey>('date');
  order = $state<'asc' | 'desc'>('desc');

  readonly selection = new SvelteSet<number>();
  /** Bumped on every reload, so a late page of an old query is dropped. */
  #generation = 0;

  constructor(private readonly api: YonosApi) {}

  get totalPhotos(): number {
    return this.folders.reduce((total, folder) => total + folder.photos, 0);
  }

  #query(): LibraryQuery {
    const search = this.search.trim();
    return {
      sort: this.sort,
      order: this.order,
      limit: pageSize,
      ...(this.folder === null ? {} : { folder: this.folder }),
      ...(this.status === 'all'
        ? {}
        : this.status === 'missing'
          ? { missing: true }
          : { status: this.status }),
      ...(search === '' ? {} : { search }),
    };
  }

  async reload(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const [page, folders] = await Promise.all([
        this.api.libraryQuery(this.#query()),
        this.api.libraryFolders(),
      ]);
      if (generation !== this.#generation) return;
      this.photos = page.photos;
      this.nextCursor = page.nextCursor;
      this.folders = folders;
      this.error = null;
      const shown = page.photos.map((photo) => photo.id);
      for (const id of this.selection) if (!shown.includes(id)) this.selection.delete(id);
    } catch (error) {
      if (generation === this.#generation) {
        this.error = error instanceof Error ? error.message : String(error);
      }
    } finally {
      if (generation === this.#generation) {
        this.loading = false;
        this.loaded = true;
      }
    }
  }

  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (cursor === null || this.loading) return;
    const generation = this.#generation;
    this.loading = true;
    try {
      const page = await this.api.libraryQuery({ ...this.#query(), cursor });
      if (generation !== this.#generation) return;
      this.photos = [...this.photos, ...page.photos];
      this.nextCursor = page.nextCursor;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Added or removed photos change the pages: reload. Updates patch the photos in place. */
  async handle(event: ServiceEvent): Promise<void> {
    if (event.type !== 'library') return;
    if (event.change !== 'updated') {
      await this.reload();
      return;
    }
    const indexes = this.photos.flatMap((photo, index) =>
      event.photoIds.includes(photo.id) ? [index] : [],
    );
    for (const index of indexes) {
      const current = this.photos[index];
      if (current === undefined) continue;
      // The photo's own fields, without the detail's hash and versions.
      const photo = photoSchema.parse(await this.api.libraryPhoto(current.id));
      if (this.photos[index]?.id === photo.id) this.photos[index] = photo;
    }
  }

  selectOnly(id: number): void {
    this.selection.clear();
    this.selection.add(id);
  }

  /** Shift-click: everything between the last selected photo and this one. */
  selectRange(id: number, anchor: number | null): void {
    const from = this.photos.findIndex((photo) => photo.id === anchor);
    const to = this.photos.findIndex((photo) => photo.id === id);
    if (from === -1 || to === -1) {
      this.selectOnly(id);
      return;
    }
    for (const photo of this.photos.slice(Math.min(from, to), Math.max(from, to) + 1)) {
      this.selection.add(photo.id);
    }
  }

  selectAll(): void {
    for (const photo of this.photos) this.selection.add(photo.id);
  }
}
