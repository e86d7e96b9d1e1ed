import { mount } from 'svelte';
import Moodboard from './Moodboard.svelte';
import './board.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(Moodboard, { target });
