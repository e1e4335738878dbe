import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '../interfaces.js';

/**
 * A chat template that does not parse, cannot be chosen, or fails (or raises) while rendering.
 * @example
 * ```ts
 * try { new ChatTemplate('{% for m in messages %}'); } catch (e) { if (e instanceof ChatTemplateError) console.error(e.message); }
 * ```
 */
export class ChatTemplateError extends Error {
  /** `'ChatTemplateError'`. */
  override name = 'ChatTemplateError';
}

/** Options of {@link ChatTemplate.render}. */
export interface ChatRenderOptions {
  /** Append the template's cue for the assistant's turn (`add_generation_prompt`). Default true. */
  addGenerationPrompt?: boolean;
  /** More template variables (e.g. `tools`, `documents`, `enable_thinking`). */
  variables?: Record<string, unknown>;
}

/**
 * A Hugging Face chat template (the Jinja `chat_template` of tokenizer_config.json), rendered with
 * @huggingface/jinja the way transformers and transformers.js do: variables `messages`, `add_generation_prompt`
 * and the special token strings (`bos_token`, `eos_token`, `pad_token`, `unk_token`, ...), with `raise_exception`
 * available to the template. The rendered text already holds the special tokens the model expects, so it is
 * tokenized without adding more.
 *
 * @example
 * ```ts
 * const t = new ChatTemplate("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}<|assistant|>");
 * t.render([{ role: 'user', content: 'Hi' }]);   // '<|user|>Hi<|assistant|>'
 * ```
 */
export class ChatTemplate {
  private readonly template: Template;

  /**
   * @param source the Jinja source.
   * @param specialTokens token strings exposed to the template by name (e.g. `{ bos_token: '<s>' }`).
   * @throws {ChatTemplateError} when the source does not parse.
   */
  constructor(
    /** The Jinja source. */
    readonly source: string,
    private readonly specialTokens: Readonly<Record<string, string>> = {},
  ) {
    if (typeof source !== 'string' || source.length === 0) {
      throw new ChatTemplateError('a chat template must be a non-empty Jinja string.');
    }
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(
        `the chat template does not parse (${(e as Error).message}); fix the Jinja source (tokenizer_config.json's chat_template).`,
      );
    }
  }

  /**
   * Render chat turns to the prompt text.
   * @throws {ChatTemplateError} for malformed messages, or when rendering fails or the template raises.
   */
  render(messages: readonly ChatMessage[], options: ChatRenderOptions = {}): string {
    if (!Array.isArray(messages) || messages.length === 0)
      throw new ChatTemplateError('render() needs a non-empty array of chat messages.');
    messages.forEach((m, i) => {
      if (
        m === null ||
        typeof m !== 'object' ||
        typeof m.role !== 'string' ||
        typeof m.content !== 'string'
      ) {
        throw new ChatTemplateError(
          `messages[${i}] must be { role: string, content: string }, got ${JSON.stringify(m)}.`,
        );
      }
    });
    try {
      return this.template.render({
        ...this.specialTokens,
        ...options.variables,
        messages: messages.map((m) => ({ ...m })),
        add_generation_prompt: options.addGenerationPrompt ?? true,
      });
    } catch (e) {
      throw new ChatTemplateError(`the chat template failed to render: ${(e as Error).message}`);
    }
  }

  /**
   * The template source from a tokenizer_config.json `chat_template` value: a string, or named templates (a list
   * of `{ name, template }` as transformers saves them, or a name -> template object), from which `name` (default
   * 'default') is taken. Undefined when the value is absent.
   * @throws {ChatTemplateError} when the value has another form or the named template is missing.
   * @example ChatTemplate.select([{ name: 'default', template: '...' }, { name: 'tool_use', template: '...' }])
   */
  static select(value: unknown, name = 'default'): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    let named: Record<string, unknown> | undefined;
    if (Array.isArray(value)) {
      named = {};
      for (const entry of value) {
        if (
          entry === null ||
          typeof entry !== 'object' ||
          typeof entry.name !== 'string' ||
          typeof entry.template !== 'string'
        ) {
          throw new ChatTemplateError(
            'chat_template lists must hold { "name": string, "template": string } entries.',
          );
        }
        named[entry.name] = entry.template;
      }
    } else if (typeof value === 'object') {
      named = value as Record<string, unknown>;
    }
    if (!named)
      throw new ChatTemplateError(`chat_template must be a string or named templates, got ${typeof value}.`);
    const t = named[name];
    if (typeof t !== 'string') {
      throw new ChatTemplateError(
        `chat_template has no template named '${name}' (it has: ${Object.keys(named).join(', ') || 'none'}).`,
      );
    }
    return t;
  }
}
