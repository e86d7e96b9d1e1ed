import { mount } from 'svelte';
import Counter from './Counter.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(Counter, { target });
