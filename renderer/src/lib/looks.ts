/**
 * The look (faithful, or detailed at a strength) as the views offer it: only
 * for a model that has the detailed look, and sent with a job only then, so a
 * faithful-only model never gets a look it cannot honour.
 */
import type { AppSettings, EnqueueRequest, JobSettings, ModelCard, Scale } from '$common/contract';

/** What a Look control holds; the strength is kept while faithful is chosen. */
export interface LookChoice {
  look: 'faithful' | 'detailed';
  strength: number;
}

export type LookRequest = Pick<EnqueueRequest, 'look' | 'strength'>;

export function lookChoiceFrom(settings: Pick<AppSettings, 'look' | 'strength'>): LookChoice {
  return { look: settings.look, strength: settings.strength };
}

/**
 * The model an upscale at this scale uses: the settings' model at their
 * scale, else the first installed for the scale (the cards come in the order
 * the engine searches, as it picks).
 */
export function modelForScale(
  models: readonly ModelCard[],
  settings: Pick<AppSettings, 'scale' | 'modelId'> | null,
  scale: Scale,
): ModelCard | null {
  const chosen = settings?.scale === scale ? settings.modelId : null;
  return (
    models.find((model) => model.id === chosen) ??
    models.find((model) => model.scale === scale) ??
    null
  );
}

export function hasDetailedLook(model: ModelCard | null | undefined): boolean {
  return model?.looks.includes('detailed') ?? false;
}

/** The enqueue fields for this choice on this model: none where the model is faithful only. */
export function lookRequest(choice: LookChoice, model: ModelCard | null): LookRequest {
  if (!hasDetailedLook(model)) return {};
  return choice.look === 'detailed'
    ? { look: 'detailed', strength: choice.strength }
    : { look: 'faithful' };
}

/** "0.6": strengths as the CLI takes them, without float noise. */
export function formatStrength(strength: number): string {
  return String(Math.round(strength * 100) / 100);
}

/** "detailed 0.6", "faithful", or null for a job that asked for no look (faithful). */
export function lookLabel(settings: Pick<JobSettings, 'look' | 'strength'>): string | null {
  if (settings.look === undefined) return null;
  if (settings.look === 'faithful') return 'faithful';
  return `detailed ${formatStrength(settings.strength ?? 1)}`;
}
