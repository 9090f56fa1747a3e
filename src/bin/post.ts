import { runPost } from '../entry/post.js';

process.exitCode = await runPost(process.env);
