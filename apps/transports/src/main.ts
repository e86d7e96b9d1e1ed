import { mount } from 'svelte';
import Transports from './Transports.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(Transports, { target });
