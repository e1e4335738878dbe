export * from './optimizers.js';
export * from './schedules.js';
export * from './train-step.js';
export * from './trainer.js';
