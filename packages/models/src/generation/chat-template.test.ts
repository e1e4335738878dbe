import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpt2Config } from '../decoder/config.js';
import { saveDecoderFolder } from '../folder/decoder-folder.js';
import { ModelFolderError } from '../folder/errors.js';
import { loadLanguageModel, readChatTemplate } from '../folder/load-lm.js';
import { ParameterStore } from '../nn/params.js';
import { ByteTokenizer } from '../tokenizer/byte-level.js';
import { ChatTemplate, ChatTemplateError } from './chat-template.js';
import { LocalLanguageModel, specialTokenStrings } from './local-lm.js';

// A ChatML-style template; expected renderings below are derived by hand from it.
const CHATML =
  "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

describe('ChatTemplate', () => {
  it('renders messages, the generation prompt, special tokens and extra variables', () => {
    const t = new ChatTemplate(CHATML);
    const msgs = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hi' },
    ];
    expect(t.render(msgs)).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(t.render(msgs, { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n',
    );
    const withBos = new ChatTemplate(
      '{{ bos_token }}{{ messages[0].content }}{% if greet %}!{% endif %}{{ eos_token }}',
      { bos_token: '<s>', eos_token: '</s>' },
    );
    expect(withBos.render(msgs, { variables: { greet: true } })).toBe('<s>Be brief.!</s>');
  });

  it('picks a named template from the forms tokenizer_config.json uses', () => {
    expect(ChatTemplate.select(undefined)).toBeUndefined();
    expect(ChatTemplate.select('x')).toBe('x');
    const list = [
      { name: 'default', template: 'A' },
      { name: 'tool_use', template: 'B' },
    ];
    expect(ChatTemplate.select(list)).toBe('A');
    expect(ChatTemplate.select(list, 'tool_use')).toBe('B');
    expect(ChatTemplate.select({ default: 'C' })).toBe('C');
    expect(() => ChatTemplate.select(list, 'rag')).toThrow(
      /no template named 'rag' \(it has: default, tool_use\)/,
    );
    expect(() => ChatTemplate.select([{ name: 1 }])).toThrow(ChatTemplateError);
    expect(() => ChatTemplate.select(42)).toThrow(/must be a string or named templates/);
  });

  it('typed errors for bad templates, bad messages and raise_exception', () => {
    expect(() => new ChatTemplate('{% for m in messages %}')).toThrow(/does not parse/);
    expect(() => new ChatTemplate('')).toThrow(ChatTemplateError);
    const t = new ChatTemplate(
      "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first turn must be the user') }}{% endif %}ok",
    );
    expect(t.render([{ role: 'user', content: 'x' }])).toBe('ok');
    expect(() => t.render([{ role: 'system', content: 'x' }])).toThrow(/first turn must be the user/);
    expect(() => t.render([])).toThrow(/non-empty array/);
    expect(() => t.render([{ role: 'user', content: 3 as unknown as string }])).toThrow(
      /messages\[0\] must be/,
    );
  });
});

describe('chat templates of model folders', () => {
  const config = gpt2Config({ vocabSize: 259, dModel: 16, nLayers: 1, nHeads: 2, maxPositions: 128 });
  const store = new ParameterStore({ seed: 2 });
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'proj-chat-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a project folder with chat_template in tokenizer_config.json renders chat prompts with it', async () => {
    const files = ByteTokenizer.files();
    const dir = join(root, 'chat');
    await saveDecoderFolder(dir, {
      config,
      store,
      tokenizer: {
        ...files,
        tokenizerConfig: {
          ...files.tokenizerConfig,
          chat_template: "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}",
        },
      },
    });
    const lm = await loadLanguageModel(dir, { session: { intraOpNumThreads: 1 } });
    // '<bos>' is special token 257 of the byte tokenizer; 'hi' is bytes 104, 105; nothing else is added.
    expect(lm.encodePrompt([{ role: 'user', content: 'hi' }])).toEqual([257, 104, 105]);
    expect(specialTokenStrings(lm.tokenizer)).toEqual({
      bos_token: '<bos>',
      eos_token: '<eos>',
      pad_token: '<pad>',
    });
    // chatFormat overrides the template; without either, plain "role: content" lines.
    const custom = new LocalLanguageModel(lm.runner, lm.tokenizer, {
      chatTemplate: lm.chatTemplate,
      chatFormat: (m) => m[0].content,
    });
    expect(custom.encodePrompt([{ role: 'user', content: 'hi' }])).toEqual([104, 105]);
    const plain = new LocalLanguageModel(lm.runner, lm.tokenizer);
    expect(plain.tokenizer.decode(plain.encodePrompt([{ role: 'user', content: 'hi' }]))).toBe(
      'user: hi\nassistant:',
    );
    await lm.dispose();
  });

  it('reads chat_template.jinja, and names the file of a malformed template value', async () => {
    const dir = join(root, 'jinja');
    await saveDecoderFolder(dir, { config, store, tokenizer: ByteTokenizer.files() });
    expect(await readChatTemplate(dir)).toBeUndefined();
    await writeFile(join(dir, 'chat_template.jinja'), '{{ messages[0].content }}');
    expect(await readChatTemplate(dir)).toBe('{{ messages[0].content }}');
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: 7 }));
    await expect(readChatTemplate(dir)).rejects.toThrow(ModelFolderError);
    await expect(readChatTemplate(dir)).rejects.toThrow(/tokenizer_config.json: chat_template must be/);
  });
});
