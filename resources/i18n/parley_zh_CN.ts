<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <source>this app</source>
        <translation>本应用</translation>
    </message>
    <message>
        <source>the bundled model (by Hugging Face)</source>
        <translation>内置模型（由 Hugging Face 提供）</translation>
    </message>
    <message>
        <source>runs the model</source>
        <translation>运行模型</translation>
    </message>
    <message>
        <source>Python bindings for llama.cpp</source>
        <translation>llama.cpp 的 Python 绑定</translation>
    </message>
    <message>
        <source>the user interface</source>
        <translation>用户界面</translation>
    </message>
    <message>
        <source>the licence text the LGPL refers to</source>
        <translation>宽通用公共许可证所引用的许可证文本</translation>
    </message>
    <message>
        <source>the language Parley is written in</source>
        <translation>Parley 所用的编程语言</translation>
    </message>
    <message>
        <source>code highlighting</source>
        <translation>代码高亮</translation>
    </message>
    <message>
        <source>where user data is kept</source>
        <translation>用户数据的存放位置</translation>
    </message>
    <message>
        <source>chat templates</source>
        <translation>对话模板</translation>
    </message>
    <message>
        <source>used by Jinja2</source>
        <translation>供 Jinja 使用</translation>
    </message>
    <message>
        <source>keeps API keys in the system keyring</source>
        <translation>把 API 密钥保存在系统密钥环中</translation>
    </message>
    <message>
        <source>used by llama-cpp-python</source>
        <translation>供 llama-cpp-python 使用</translation>
    </message>
    <message>
        <source>Everything else in this package</source>
        <translation>此安装包中的其他所有组件</translation>
    </message>
    <message>
        <source>the libraries the packaged app carries, with their notices</source>
        <translation>打包版应用附带的库及其声明</translation>
    </message>
    <message>
        <source>each as stated</source>
        <translation>各自注明</translation>
    </message>
    <message>
        <source>About {app}</source>
        <translation>关于 {app}</translation>
    </message>
    <message>
        <source>Chat with language models on your own computer. Nothing you write leaves it.</source>
        <translation>在你自己的电脑上与语言模型对话。你写的任何内容都不会离开这台电脑。</translation>
    </message>
    <message>
        <source>Version and build details</source>
        <translation>版本与构建信息</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制信息</translation>
    </message>
    <message>
        <source>Copy the versions, for a bug report</source>
        <translation>复制版本信息，用于报告问题</translation>
    </message>
    <message>
        <source>Components and their licences</source>
        <translation>组件及其许可证</translation>
    </message>
    <message>
        <source>Licence text</source>
        <translation>许可证文本</translation>
    </message>
    <message>
        <source>Included software and licences:</source>
        <translation>包含的软件及许可证：</translation>
    </message>
</context>
<context>
    <name>ApiServerSection</name>
    <message>
        <source>API server state</source>
        <translation>API 服务器状态</translation>
    </message>
    <message>
        <source>API server address</source>
        <translation>API 服务器地址</translation>
    </message>
    <message>
        <source>Bearer token</source>
        <translation>访问令牌</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Show the token</source>
        <translation>显示令牌</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the token</source>
        <translation>复制令牌</translation>
    </message>
    <message>
        <source>New token</source>
        <translation>生成新令牌</translation>
    </message>
    <message>
        <source>Make a new token</source>
        <translation>生成一个新令牌</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>令牌：</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>隐藏</translation>
    </message>
    <message>
        <source>Programs using the current token will need the new one. Make a new token?</source>
        <translation>使用当前令牌的程序将需要改用新令牌。要生成新令牌吗？</translation>
    </message>
</context>
<context>
    <name>ApiService</name>
    <message>
        <source>Off</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Serving at {url}</source>
        <translation>正在 {url} 提供服务</translation>
    </message>
</context>
<context>
    <name>Application</name>
    <message>
        <source>{app} cannot start</source>
        <translation>{app} 无法启动</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>“{title}” is in the trash; restore it from the Trash to open it.</source>
        <translation>“{title}”在回收站中；请先从回收站恢复，再打开它。</translation>
    </message>
    <message>
        <source>This chat&apos;s own settings had an invalid value: {problem}</source>
        <translation>此对话的专属设置中有无效值：{problem}</translation>
    </message>
    <message>
        <source>A temporary chat cannot be forked; it is never saved.</source>
        <translation>临时对话不会被保存，因此无法分叉为新对话。</translation>
    </message>
    <message>
        <source>This conversation no longer fits in the model&apos;s context window. Drop the oldest messages for this reply (the system prompt and your first message stay), or stop here? Starting a new chat or raising the context length in Settings also helps.</source>
        <translation>此对话已超出模型的上下文窗口。要为这次回复丢弃最早的消息（系统提示词和你的第一条消息会保留），还是就此停止？开始新对话或在设置中调大上下文长度也会有帮助。</translation>
    </message>
</context>
<context>
    <name>CodeBlock</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>code</source>
        <translation>代码</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Message Parley (Enter to send, Shift+Enter for a new line)</source>
        <translation>给 Parley 发消息（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
</context>
<context>
    <name>ConnectionsDialog</name>
    <message>
        <source>Automatic (from the server&apos;s model list)</source>
        <translation>自动（根据服务器的模型列表判断）</translation>
    </message>
    <message>
        <source>OpenAI fields only (OpenAI, Ollama, LM Studio)</source>
        <translation>仅 OpenAI 字段（OpenAI、Ollama、LM Studio）</translation>
    </message>
    <message>
        <source>llama.cpp (llama-server): all samplers</source>
        <translation>llama.cpp（llama-server）：全部采样器</translation>
    </message>
    <message>
        <source>vLLM: top-k, min-p, repetition penalty</source>
        <translation>vLLM：top-k、min-p、重复惩罚</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>for example: workstation</source>
        <translation>例如：工作站</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Forget key</source>
        <translation>清除密钥</translation>
    </message>
    <message>
        <source>Remove the stored API key</source>
        <translation>移除已保存的 API 密钥</translation>
    </message>
    <message>
        <source>API</source>
        <translation>API</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>the server&apos;s first model</source>
        <translation>服务器的第一个模型</translation>
    </message>
    <message>
        <source>List models</source>
        <translation>列出模型</translation>
    </message>
    <message>
        <source>Ask the server which models it offers</source>
        <translation>向服务器查询它提供哪些模型</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save and use in this chat</source>
        <translation>保存并在此对话中使用</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Server address:</source>
        <translation>服务器地址：</translation>
    </message>
    <message>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <source>API:</source>
        <translation>API：</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>Chats remember their connection by this name, so it cannot change; add a new connection instead.</source>
        <translation>对话按此名称记住所用的连接，因此名称不能更改；如需新名称，请添加一个新连接。</translation>
    </message>
    <message>
        <source>stored; type a new key to replace it</source>
        <translation>已保存；输入新密钥即可替换</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Saved “{name}”.</source>
        <translation>已保存“{name}”。</translation>
    </message>
    <message>
        <source>Remove connection</source>
        <translation>移除连接</translation>
    </message>
    <message>
        <source>Remove the connection “{name}” and forget its API key? Chats that used it keep their messages.</source>
        <translation>要移除连接“{name}”并清除它的 API 密钥吗？使用过它的对话会保留其中的消息。</translation>
    </message>
    <message>
        <source>Asking {address} for its models…</source>
        <translation>正在向 {address} 查询模型…</translation>
    </message>
    <message>
        <source>The server offers %n model(s); it speaks the {dialect} dialect.</source>
        <translation>服务器提供 %n 个模型；它使用 {dialect} 风格的 API。</translation>
    </message>
</context>
<context>
    <name>ContextMeter</name>
    <message>
        <source>Context full: %n message(s) left out</source>
        <translation>上下文已满：%n 条消息未纳入</translation>
    </message>
    <message>
        <source>Context {used} / {total}</source>
        <translation>上下文 {used} / {total}</translation>
    </message>
    <message>
        <source>The conversation takes {used} of the model&apos;s {total} context tokens ({budget} can hold history; the rest is kept for the reply), counted with the model&apos;s own tokenizer.</source>
        <translation>此对话占用了模型 {total} 个上下文 token 中的 {used} 个（其中 {budget} 个可容纳历史记录，其余留给回复），按模型自带的分词器计算。</translation>
    </message>
    <message>
        <source>The dimmed messages are outside the window: the model no longer sees them. The system prompt and your first message always stay.</source>
        <translation>变暗的消息位于上下文窗口之外：模型已看不到它们。系统提示词和你的第一条消息始终保留。</translation>
    </message>
    <message>
        <source>Context window used</source>
        <translation>已用上下文窗口</translation>
    </message>
    <message>
        <source>Context —</source>
        <translation>上下文 —</translation>
    </message>
    <message>
        <source>How much of the model&apos;s context window this chat takes.</source>
        <translation>此对话占用了模型上下文窗口的多少。</translation>
    </message>
</context>
<context>
    <name>ConversationListModel</name>
    <message>
        <source>Pinned</source>
        <translation>已置顶</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Previous 7 days</source>
        <translation>过去 7 天</translation>
    </message>
    <message>
        <source>Older</source>
        <translation>更早</translation>
    </message>
    <message>
        <source>%n message(s)</source>
        <translation>%n 条消息</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>https://…/model.gguf, or owner/repository/file.gguf from Hugging Face</source>
        <translation>GGUF 文件的网址（https://…），或 Hugging Face 上的“所有者/仓库/文件名”</translation>
    </message>
    <message>
        <source>Download address</source>
        <translation>下载地址</translation>
    </message>
    <message>
        <source>optional: the file&apos;s SHA-256, to check it</source>
        <translation>可选：文件的哈希值（256 位），用于校验</translation>
    </message>
    <message>
        <source>Expected SHA-256</source>
        <translation>预期哈希值</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download the file the address names into the models folder</source>
        <translation>将该地址指向的文件下载到模型文件夹</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Stop the download; what has arrived is kept, to resume later</source>
        <translation>停止下载；已下载的部分会保留，以便稍后继续</translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation>下载进度</translation>
    </message>
    <message>
        <source>Unfinished downloads</source>
        <translation>未完成的下载</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Resume the download</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <source>Carry on with the chosen unfinished download</source>
        <translation>继续所选的未完成下载</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <source>Discard the download</source>
        <translation>丢弃下载</translation>
    </message>
    <message>
        <source>Delete the chosen unfinished download&apos;s partial file</source>
        <translation>删除所选未完成下载的部分文件</translation>
    </message>
    <message>
        <source>From:</source>
        <translation>来源：</translation>
    </message>
    <message>
        <source>SHA-256:</source>
        <translation>哈希值：</translation>
    </message>
    <message>
        <source>Unfinished:</source>
        <translation>未完成：</translation>
    </message>
    <message>
        <source>{file} ({size})</source>
        <translation>{file} ({size})</translation>
    </message>
    <message>
        <source>Starting the download of {file}…</source>
        <translation>正在开始下载 {file}…</translation>
    </message>
    <message>
        <source>Downloaded {file}; it is in the list above.</source>
        <translation>已下载 {file}，它已在上方列表中。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Parley could not save because the disk is full ({reason}); free some space and try again. Everything saved before is kept.</source>
        <translation>磁盘已满，Parley 无法保存（{reason}）；请释放一些空间后重试。之前保存的内容都还在。</translation>
    </message>
    <message>
        <source>Parley could not save because its folder cannot be written ({reason}); make it writable and try again. Everything saved before is kept.</source>
        <translation>Parley 的文件夹无法写入，因此无法保存（{reason}）；请让它可写后重试。之前保存的内容都还在。</translation>
    </message>
    <message>
        <source>Parley could not save because the disk reported an error ({reason}); check that it is not full or failing. Everything saved before is kept.</source>
        <translation>磁盘报告了错误，Parley 无法保存（{reason}）；请检查磁盘是否已满或出现故障。之前保存的内容都还在。</translation>
    </message>
    <message>
        <source>Cannot write {path} ({reason}); choose another file.</source>
        <translation>无法写入 {path}（{reason}）；请选择其他文件。</translation>
    </message>
    <message>
        <source>The chat template is set to custom but no custom template is written; write one in Settings or choose another chat template.</source>
        <translation>对话模板设为自定义，但尚未编写自定义模板；请在设置中编写一个，或选择其他对话模板。</translation>
    </message>
    <message>
        <source>The custom chat template does not work ({problem}); fix it or choose another chat template.</source>
        <translation>自定义对话模板无法使用（{problem}）；请修正它，或选择其他对话模板。</translation>
    </message>
    <message>
        <source>The custom chat template leaves out the messages; use {{ message[&apos;content&apos;] }} inside a loop over messages.</source>
        <translation>自定义对话模板遗漏了消息；请在遍历 messages 的循环中使用 {{ message[&apos;content&apos;] }}。</translation>
    </message>
    <message>
        <source>current_node {node} is not in the mapping</source>
        <translation>current_node {node} 不在 mapping 中</translation>
    </message>
    <message>
        <source>parent {parent} is not in the mapping</source>
        <translation>parent {parent} 不在 mapping 中</translation>
    </message>
    <message>
        <source>the parent links form a cycle</source>
        <translation>parent 链接构成了循环</translation>
    </message>
    <message>
        <source> ({tokens} tokens; {fit} fit with room for the reply)</source>
        <translation>（{tokens} 个 token；留出回复空间后可容纳 {fit} 个）</translation>
    </message>
    <message>
        <source>Not sent: this conversation no longer fits in the context window{size}; let Parley drop the oldest messages, start a new chat, or raise the context length in Settings.</source>
        <translation>未发送：此对话已超出上下文窗口{size}；请让 Parley 丢弃最早的消息、开始新对话，或在设置中提高上下文长度。</translation>
    </message>
    <message>
        <source>The message is too long for the model&apos;s context window ({tokens} tokens, {budget} available); shorten it or raise the context length in Settings.</source>
        <translation>消息太长，超出了模型的上下文窗口（{tokens} 个 token，可用 {budget} 个）；请缩短消息，或在设置中提高上下文长度。</translation>
    </message>
    <message>
        <source>Enter a download address or a Hugging Face file such as owner/repo/model.gguf.</source>
        <translation>请输入下载地址或 Hugging Face 文件，例如 owner/repo/model.gguf。</translation>
    </message>
    <message>
        <source>Cannot download from {address}; give an http(s) address or a Hugging Face file such as owner/repo/model.gguf.</source>
        <translation>无法从 {address} 下载；请提供 http(s) 地址或 Hugging Face 文件，例如 owner/repo/model.gguf。</translation>
    </message>
    <message>
        <source>{reference} is not a download address or a Hugging Face file; write it as owner/repo/model.gguf or paste the file&apos;s https address.</source>
        <translation>{reference} 既不是下载地址也不是 Hugging Face 文件；请写成 owner/repo/model.gguf 的形式，或粘贴该文件的 https 地址。</translation>
    </message>
    <message>
        <source>{given} does not name a .gguf file; give the address of the model file itself.</source>
        <translation>{given} 指向的不是 .gguf 文件；请提供模型文件本身的地址。</translation>
    </message>
    <message>
        <source>{name} is not a safe file name to save; choose an address whose last part is a plain .gguf file name.</source>
        <translation>{name} 不是可安全保存的文件名；请选择最后一段是普通 .gguf 文件名的地址。</translation>
    </message>
    <message>
        <source>{checksum} is not a SHA-256 checksum; give the 64 hexadecimal digits or none.</source>
        <translation>{checksum} 不是 SHA-256 校验和；请提供 64 位十六进制数字，或留空。</translation>
    </message>
    <message>
        <source>{file} is already in the models folder; remove or rename it first if you want to download it again.</source>
        <translation>{file} 已在模型文件夹中；如需重新下载，请先删除或重命名它。</translation>
    </message>
    <message>
        <source>Cannot reach {host} ({reason}); check the connection and the address.</source>
        <translation>无法连接 {host}（{reason}）；请检查网络连接和地址。</translation>
    </message>
    <message>
        <source>{file} was not found at {url}; check the address.</source>
        <translation>在 {url} 找不到 {file}；请检查地址。</translation>
    </message>
    <message>
        <source>{host} refused access to {file} (HTTP {code}); it needs an account or an access token (a gated Hugging Face repository, for example), so download it in a web browser where you are signed in and add it to the models folder.</source>
        <translation>{host} 拒绝访问 {file}（HTTP {code}）；它需要账号或访问令牌（例如受限的 Hugging Face 仓库），请在已登录的网页浏览器中下载，再将它添加到模型文件夹。</translation>
    </message>
    <message>
        <source>{host} answered HTTP {code} ({reason}) for {file}; try again later.</source>
        <translation>{host} 对 {file} 返回了 HTTP {code}（{reason}）；请稍后再试。</translation>
    </message>
    <message>
        <source>no answer in time</source>
        <translation>未能及时响应</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>The server sent the wrong part of {file} when resuming; try again later, or discard the unfinished download to start over.</source>
        <translation>继续下载时服务器发送了 {file} 的错误部分；请稍后再试，或放弃未完成的下载并重新开始。</translation>
    </message>
    <message>
        <source>Downloading {file} needs {needed} but only {free} is free on {folder}; free some space and try again.</source>
        <translation>下载 {file} 需要 {needed}，但 {folder} 上只有 {free} 可用空间；请释放一些空间后重试。</translation>
    </message>
    <message>
        <source>The download of {file} was cancelled; start it again to resume.</source>
        <translation>{file} 的下载已取消；重新开始即可继续下载。</translation>
    </message>
    <message>
        <source>{seconds} s left</source>
        <translation>剩余 {seconds} 秒</translation>
    </message>
    <message>
        <source>{minutes} min left</source>
        <translation>剩余 {minutes} 分钟</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min left</source>
        <translation>剩余 {hours} 小时 {minutes} 分钟</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done}/{total}</translation>
    </message>
    <message>
        <source>The download of {file} stopped early at {where} ({reason}); start it again to resume.</source>
        <translation>{file} 的下载在 {where} 处中断（{reason}）；重新开始即可继续下载。</translation>
    </message>
    <message>
        <source>The download of {file} stopped early at {where}; start it again to resume.</source>
        <translation>{file} 的下载在 {where} 处中断；重新开始即可继续下载。</translation>
    </message>
    <message>
        <source>The disk is full, so the download of {file} stopped; free some space and start it again to resume.</source>
        <translation>磁盘已满，{file} 的下载已停止；请释放一些空间，再重新开始以继续下载。</translation>
    </message>
    <message>
        <source>Cannot write {path} ({reason}); check that the models folder is writable.</source>
        <translation>无法写入 {path}（{reason}）；请检查模型文件夹是否可写。</translation>
    </message>
    <message>
        <source>The download of {file} does not match the expected checksum, so it was not added; the file was moved aside to {moved}.</source>
        <translation>下载的 {file} 与预期的校验和不符，因此未被添加；该文件已移至 {moved}。</translation>
    </message>
    <message>
        <source>{url} is not a GGUF model file (perhaps a web page); the file was moved aside to {moved}; check the address.</source>
        <translation>{url} 不是 GGUF 模型文件（可能是网页）；该文件已移至 {moved}；请检查地址。</translation>
    </message>
    <message>
        <source>There is not enough memory for this; close other programs or choose a smaller model.</source>
        <translation>内存不足；请关闭其他程序，或选择更小的模型。</translation>
    </message>
    <message>
        <source>Something unexpected went wrong ({kind}: {error}); your conversations are safe, and details are in the log.</source>
        <translation>发生了意外错误（{kind}: {error}）；你的对话是安全的，详细信息已记入日志。</translation>
    </message>
    <message>
        <source>There is no conversation {id}; list them with `parley conversations`.</source>
        <translation>没有编号为 {id} 的对话；可用 `parley conversations` 列出所有对话。</translation>
    </message>
    <message>
        <source>fix the file or export it from Parley again</source>
        <translation>请修正该文件，或从 Parley 重新导出</translation>
    </message>
    <message>
        <source>use the conversations.json from a fresh ChatGPT data export</source>
        <translation>请使用最新 ChatGPT 数据导出中的 conversations.json</translation>
    </message>
    <message>
        <source>choose a JSON file exported from Parley or the conversations.json of a ChatGPT export</source>
        <translation>请选择从 Parley 导出的 JSON 文件，或 ChatGPT 导出中的 conversations.json</translation>
    </message>
    <message>
        <source>Nothing was imported from {file}: {problem}; {advice}.</source>
        <translation>未从 {file} 导入任何内容：{problem}；{advice}。</translation>
    </message>
    <message>
        <source>it looks like {what}, not Parley or ChatGPT conversations</source>
        <translation>它看起来是：{what}，而不是 Parley 或 ChatGPT 对话</translation>
    </message>
    <message>
        <source>it is larger than {size} GiB</source>
        <translation>它大于 {size} GiB</translation>
    </message>
    <message>
        <source>split it into smaller files</source>
        <translation>请将它拆分成更小的文件</translation>
    </message>
    <message>
        <source>it cannot be read ({reason})</source>
        <translation>无法读取它（{reason}）</translation>
    </message>
    <message>
        <source>it is not UTF-8 text (byte {byte} is not valid)</source>
        <translation>它不是 UTF-8 文本（第 {byte} 个字节无效）</translation>
    </message>
    <message>
        <source>it is not valid JSON ({problem} at line {line}, column {column})</source>
        <translation>它不是有效的 JSON（第 {line} 行第 {column} 列：{problem}）</translation>
    </message>
    <message>
        <source>it holds a number too long to read</source>
        <translation>其中有一个数字太长，无法读取</translation>
    </message>
    <message>
        <source>a file of format {format}</source>
        <translation>格式为 {format} 的文件</translation>
    </message>
    <message>
        <source>a JSON object without a format (keys: {keys})</source>
        <translation>没有 format 的 JSON 对象（键：{keys}）</translation>
    </message>
    <message>
        <source>an empty JSON object</source>
        <translation>空的 JSON 对象</translation>
    </message>
    <message>
        <source>a list of {count} items without a ChatGPT mapping</source>
        <translation>包含 {count} 项但没有 ChatGPT mapping 的列表</translation>
    </message>
    <message>
        <source>an empty list</source>
        <translation>空列表</translation>
    </message>
    <message>
        <source>a single JSON value</source>
        <translation>单个 JSON 值</translation>
    </message>
    <message>
        <source>a single JSON string</source>
        <translation>单个 JSON 字符串</translation>
    </message>
    <message>
        <source>a single JSON number</source>
        <translation>单个 JSON 数字</translation>
    </message>
    <message>
        <source>a single JSON true/false</source>
        <translation>单个 JSON 布尔值（true/false）</translation>
    </message>
    <message>
        <source>a single JSON null</source>
        <translation>单个 JSON null</translation>
    </message>
    <message>
        <source>it was written by a newer version of Parley (format version {version})</source>
        <translation>它由更新版本的 Parley 写入（格式版本 {version}）</translation>
    </message>
    <message>
        <source>update Parley and try again</source>
        <translation>请更新 Parley 后重试</translation>
    </message>
    <message>
        <source>version must be {version}</source>
        <translation>version 必须为 {version}</translation>
    </message>
    <message>
        <source>id {id} is used twice</source>
        <translation>id {id} 被使用了两次</translation>
    </message>
    <message>
        <source>parent_id {parent} is not a message of this conversation</source>
        <translation>parent_id {parent} 不是此对话中的消息</translation>
    </message>
    <message>
        <source>parent_id {parent} makes a cycle</source>
        <translation>parent_id {parent} 构成了循环</translation>
    </message>
    <message>
        <source>in the header</source>
        <translation>文件头中</translation>
    </message>
    <message>
        <source>in the metadata</source>
        <translation>元数据中</translation>
    </message>
    <message>
        <source>in the tensor list</source>
        <translation>张量列表中</translation>
    </message>
    <message>
        <source>in the tensor data</source>
        <translation>张量数据中</translation>
    </message>
    <message>
        <source>The model file {file} is empty; download it again.</source>
        <translation>模型文件 {file} 是空的；请重新下载。</translation>
    </message>
    <message>
        <source>The model file {file} cannot be read ({reason}); check its permissions.</source>
        <translation>无法读取模型文件 {file}（{reason}）；请检查它的权限。</translation>
    </message>
    <message>
        <source>The model file {file} does not exist; choose another model file.</source>
        <translation>模型文件 {file} 不存在；请选择其他模型文件。</translation>
    </message>
    <message>
        <source>{path} is a folder, not a model file; choose a .gguf file.</source>
        <translation>{path} 是文件夹，不是模型文件；请选择 .gguf 文件。</translation>
    </message>
    <message>
        <source>{path} is not a regular file; choose a .gguf file.</source>
        <translation>{path} 不是普通文件；请选择 .gguf 文件。</translation>
    </message>
    <message>
        <source>The model file {file} has a corrupt header ({reason}); download it again or use another file.</source>
        <translation>模型文件 {file} 的文件头已损坏（{reason}）；请重新下载，或使用其他文件。</translation>
    </message>
    <message>
        <source>The model file {file} is truncated (at least 1 byte short {section}); download it again.</source>
        <translation>模型文件 {file} 不完整（{section}至少缺少 1 个字节）；请重新下载。</translation>
    </message>
    <message>
        <source>The model file {file} is truncated (at least {count} bytes short {section}); download it again.</source>
        <translation>模型文件 {file} 不完整（{section}至少缺少 {count} 个字节）；请重新下载。</translation>
    </message>
    <message>
        <source>it claims a {length}-byte string</source>
        <translation>它声称有一个 {length} 字节的字符串</translation>
    </message>
    <message>
        <source>its alignment {alignment} is not a power of two</source>
        <translation>它的对齐值 {alignment} 不是 2 的幂</translation>
    </message>
    <message>
        <source>The model file {file} is not a GGUF model file; Parley runs models in llama.cpp&apos;s GGUF format.</source>
        <translation>模型文件 {file} 不是 GGUF 模型文件；Parley 运行的是 llama.cpp 的 GGUF 格式模型。</translation>
    </message>
    <message>
        <source>it claims {count} metadata entries</source>
        <translation>它声称有 {count} 个元数据条目</translation>
    </message>
    <message>
        <source>it claims {count} tensors</source>
        <translation>它声称有 {count} 个张量</translation>
    </message>
    <message>
        <source>The model file {file} is stored big-endian, which this Parley cannot read; use a little-endian build of the model.</source>
        <translation>模型文件 {file} 以大端字节序存储，此版本的 Parley 无法读取；请使用该模型的小端版本。</translation>
    </message>
    <message>
        <source>The model file {file} uses GGUF version 1, which is no longer supported; convert the model again with a current llama.cpp.</source>
        <translation>模型文件 {file} 使用 GGUF 版本 1，已不再受支持；请用新版 llama.cpp 重新转换该模型。</translation>
    </message>
    <message>
        <source>The model file {file} uses GGUF version {version}, which this Parley&apos;s llama.cpp cannot read; update Parley or convert the model again.</source>
        <translation>模型文件 {file} 使用 GGUF 版本 {version}，此版本 Parley 的 llama.cpp 无法读取；请更新 Parley，或重新转换该模型。</translation>
    </message>
    <message>
        <source>metadata key {index} is not valid UTF-8</source>
        <translation>第 {index} 个元数据键不是有效的 UTF-8</translation>
    </message>
    <message>
        <source>metadata key {index} is empty</source>
        <translation>第 {index} 个元数据键为空</translation>
    </message>
    <message>
        <source>the key {key} appears twice</source>
        <translation>键 {key} 出现了两次</translation>
    </message>
    <message>
        <source>general.alignment is not a uint32</source>
        <translation>general.alignment 不是 uint32</translation>
    </message>
    <message>
        <source>key {key} has the unknown value type {type}</source>
        <translation>键 {key} 的值类型 {type} 未知</translation>
    </message>
    <message>
        <source>key {key} nests arrays more than {depth} deep</source>
        <translation>键 {key} 的数组嵌套超过 {depth} 层</translation>
    </message>
    <message>
        <source>key {key} claims an array of {count} elements</source>
        <translation>键 {key} 声称有一个包含 {count} 个元素的数组</translation>
    </message>
    <message>
        <source>tensor {name} is not aligned to {alignment} bytes</source>
        <translation>张量 {name} 未按 {alignment} 字节对齐</translation>
    </message>
    <message>
        <source>tensor {name} overlaps the tensor before it at offset {offset}</source>
        <translation>张量 {name} 在偏移 {offset} 处与前一个张量重叠</translation>
    </message>
    <message>
        <source>tensor {name} leaves a gap at offset {offset}</source>
        <translation>张量 {name} 在偏移 {offset} 处留有空隙</translation>
    </message>
    <message>
        <source>tensor {index} has a name that is not valid UTF-8</source>
        <translation>第 {index} 个张量的名称不是有效的 UTF-8</translation>
    </message>
    <message>
        <source>tensor name {name} is longer than {limit} bytes</source>
        <translation>张量名称 {name} 超过 {limit} 字节</translation>
    </message>
    <message>
        <source>the tensor {name} appears twice</source>
        <translation>张量 {name} 出现了两次</translation>
    </message>
    <message>
        <source>tensor {name} has {count} dimensions, more than {limit}</source>
        <translation>张量 {name} 有 {count} 个维度，超过了 {limit}</translation>
    </message>
    <message>
        <source>tensor {name} has the impossible shape {shape}</source>
        <translation>张量 {name} 的形状 {shape} 不可能存在</translation>
    </message>
    <message>
        <source>The model file {file} uses a tensor type ({type}) that this Parley&apos;s llama.cpp does not know; update Parley or use another file.</source>
        <translation>模型文件 {file} 使用了此版本 Parley 的 llama.cpp 不认识的张量类型（{type}）；请更新 Parley，或使用其他文件。</translation>
    </message>
    <message>
        <source>tensor {name} has rows of {row} values, not a multiple of the {type} block of {block}</source>
        <translation>张量 {name} 每行有 {row} 个值，不是 {type} 块大小 {block} 的倍数</translation>
    </message>
    <message>
        <source>{where}: {problem}</source>
        <translation>{where}：{problem}</translation>
    </message>
    <message>
        <source>{choices} or {last}</source>
        <translation>{choices} 或 {last}</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true 或 false</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>整数</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>a time in seconds since 1970 (before 2100)</source>
        <translation>自 1970 年起的秒数时间（早于 2100 年）</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>a list</source>
        <translation>列表</translation>
    </message>
    <message>
        <source>1 or -1</source>
        <translation>1 或 -1</translation>
    </message>
    <message>
        <source>{key} is missing</source>
        <translation>缺少 {key}</translation>
    </message>
    <message>
        <source>{key} must be {expected}, or null</source>
        <translation>{key} 的值必须是：{expected}，或 null</translation>
    </message>
    <message>
        <source>{key} must be {expected}</source>
        <translation>{key} 的值必须是：{expected}</translation>
    </message>
    <message>
        <source>{key} is nested more than {limit} levels deep</source>
        <translation>{key} 的嵌套超过了 {limit} 层</translation>
    </message>
    <message>
        <source>it is nested too deeply to be read</source>
        <translation>它的嵌套层数太深，无法读取</translation>
    </message>
    <message>
        <source>must be an object</source>
        <translation>必须是对象</translation>
    </message>
    <message>
        <source>There is not enough memory to load {file}; close other programs, lower the context length or the GPU layers, or choose a smaller model.</source>
        <translation>内存不足，无法加载 {file}；请关闭其他程序，降低上下文长度或 GPU 层数，或选择更小的模型。</translation>
    </message>
    <message>
        <source>{file} uses the model architecture &apos;{architecture}&apos;, which this version of llama.cpp does not support; update Parley or choose another model.</source>
        <translation>{file} 使用的模型架构“{architecture}”不受此版本 llama.cpp 支持；请更新 Parley，或选择其他模型。</translation>
    </message>
    <message>
        <source>{file} is damaged ({detail}); download it again.</source>
        <translation>{file} 已损坏（{detail}）；请重新下载。</translation>
    </message>
    <message>
        <source>llama.cpp could not load {file} (no reason given); the file may be damaged or need a newer Parley, so try downloading it again.</source>
        <translation>llama.cpp 无法加载 {file}（未给出原因）；该文件可能已损坏或需要更新版本的 Parley，请尝试重新下载。</translation>
    </message>
    <message>
        <source>llama.cpp could not load {file} ({detail}); the file may be damaged or need a newer Parley, so try downloading it again.</source>
        <translation>llama.cpp 无法加载 {file}（{detail}）；该文件可能已损坏或需要更新版本的 Parley，请尝试重新下载。</translation>
    </message>
    <message>
        <source>The chat template inside {file} is broken ({problem}), so llama.cpp cannot use the file; choose another model file.</source>
        <translation>{file} 内置的对话模板有错误（{problem}），llama.cpp 无法使用该文件；请选择其他模型文件。</translation>
    </message>
    <message>
        <source>The chat template inside {file} was stopped because {problem}, so Parley will not use the file; choose another model file.</source>
        <translation>{file} 内的对话模板已被中止，因为{problem}，因此 Parley 不会使用该文件；请选择其他模型文件。</translation>
    </message>
    <message>
        <source>The chat template inside {file} tried to reach outside its sandbox ({problem}), so Parley will not use the file; choose another model file.</source>
        <translation>{file} 内的对话模板试图越出其沙箱（{problem}），因此 Parley 不会使用该文件；请选择其他模型文件。</translation>
    </message>
    <message>
        <source>The chat template inside {file} is {size} bytes long, far too long for a chat template; choose another model file.</source>
        <translation>{file} 内的对话模板长达 {size} 字节，远超对话模板应有的长度；请选择其他模型文件。</translation>
    </message>
    <message>
        <source>model library</source>
        <translation>模型库</translation>
    </message>
    <message>
        <source>Several models are called {name}; give the path of the one to use.</source>
        <translation>有多个模型名为 {name}；请提供要使用的那个模型的路径。</translation>
    </message>
    <message>
        <source>There is no model called {name} in the library; list them with `parley models`, or give the path of a .gguf file.</source>
        <translation>模型库中没有名为 {name} 的模型；可用 `parley models` 列出所有模型，或提供 .gguf 文件的路径。</translation>
    </message>
    <message>
        <source>The bundled model ships with Parley and cannot be removed; choose another model to use instead.</source>
        <translation>内置模型随 Parley 一起提供，无法移除；请改用其他模型。</translation>
    </message>
    <message>
        <source>Cannot delete {path} ({reason}); check its permissions.</source>
        <translation>无法删除 {path}（{reason}）；请检查它的权限。</translation>
    </message>
    <message>
        <source>The models folder already has a file called {file}; rename one of them first.</source>
        <translation>模型文件夹中已有名为 {file} 的文件；请先重命名其中一个。</translation>
    </message>
    <message>
        <source>Cannot copy {file} into {folder} ({reason}); check the free space.</source>
        <translation>无法将 {file} 复制到 {folder}（{reason}）；请检查可用空间。</translation>
    </message>
    <message>
        <source>Cannot save the model library to {path} ({reason}); check the free space.</source>
        <translation>无法将模型库保存到 {path}（{reason}）；请检查可用空间。</translation>
    </message>
    <message>
        <source>one of {choices}</source>
        <translation>{choices} 之一</translation>
    </message>
    <message>
        <source>a text, or a JSON list of texts</source>
        <translation>一段文本，或由文本组成的 JSON 列表</translation>
    </message>
    <message>
        <source>any text</source>
        <translation>任意文本</translation>
    </message>
    <message>
        <source>a whole number from {minimum} to {maximum}</source>
        <translation>{minimum} 到 {maximum} 之间的整数</translation>
    </message>
    <message>
        <source>a number from {minimum} to {maximum}</source>
        <translation>{minimum} 到 {maximum} 之间的数字</translation>
    </message>
    <message>
        <source>The setting {name} is too long ({length} characters); use at most {limit}.</source>
        <translation>设置 {name} 太长（{length} 个字符）；最多只能有 {limit} 个字符。</translation>
    </message>
    <message>
        <source>The setting {name} cannot contain the control character {character}; remove it.</source>
        <translation>设置 {name} 不能包含控制字符 {character}；请将其删除。</translation>
    </message>
    <message>
        <source>The setting {name} cannot be {value}; use {accepts}.</source>
        <translation>设置 {name} 不能为 {value}；可接受的值：{accepts}。</translation>
    </message>
    <message>
        <source>presets</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>A preset needs a name; check the preset file.</source>
        <translation>预设需要名称；请检查预设文件。</translation>
    </message>
    <message>
        <source>The preset {name} has no list of values; check the preset file.</source>
        <translation>预设 {name} 没有值列表；请检查预设文件。</translation>
    </message>
    <message>
        <source>The preset {name} is invalid: {problem}</source>
        <translation>预设 {name} 无效：{problem}</translation>
    </message>
    <message>
        <source>a preset is invalid ({problem})</source>
        <translation>有一个预设无效（{problem}）</translation>
    </message>
    <message>
        <source>There is no preset called {name}.</source>
        <translation>没有名为 {name} 的预设。</translation>
    </message>
    <message>
        <source>A preset needs a name.</source>
        <translation>预设需要名称。</translation>
    </message>
    <message>
        <source>There is already a preset called {name}; choose another name.</source>
        <translation>已有名为 {name} 的预设；请换一个名称。</translation>
    </message>
    <message>
        <source>{file} could not be read as a preset file ({reason}).</source>
        <translation>无法将 {file} 作为预设文件读取（{reason}）。</translation>
    </message>
    <message>
        <source>{file} is not a Parley preset file.</source>
        <translation>{file} 不是 Parley 预设文件。</translation>
    </message>
    <message>
        <source>{name} is a built-in preset and cannot be changed; save your own under another name.</source>
        <translation>{name} 是内置预设，无法更改；请以其他名称保存你自己的预设。</translation>
    </message>
    <message>
        <source>the file does not hold a list of presets</source>
        <translation>该文件中没有预设列表</translation>
    </message>
    <message>
        <source>There is no setting called {name}; known settings: {known}.</source>
        <translation>没有名为 {name} 的设置；已知的设置有：{known}。</translation>
    </message>
    <message>
        <source>Expected NAME=VALUE, got {text}.</source>
        <translation>应为 NAME=VALUE 的形式，实际为 {text}。</translation>
    </message>
    <message>
        <source>The conversation database {path} is damaged ({reason}).</source>
        <translation>对话数据库 {path} 已损坏（{reason}）。</translation>
    </message>
    <message>
        <source>The conversation database {path} must be upgraded before this version of Parley can read it, and its folder cannot be written; make the folder writable and start Parley again.</source>
        <translation>对话数据库 {path} 需要先升级，此版本的 Parley 才能读取，但它所在的文件夹无法写入；请让该文件夹可写，然后重新启动 Parley。</translation>
    </message>
    <message>
        <source>The conversation database was damaged ({reason}), so Parley started a new one with the {count} conversations it could still read; the damaged file was kept as {kept}, from which a recovery tool may save more.</source>
        <translation>对话数据库已损坏（{reason}），因此 Parley 新建了一个数据库，并放入了仍能读取的 {count} 个对话；损坏的文件保留为 {kept}，恢复工具或许还能从中救回更多内容。</translation>
    </message>
    <message>
        <source>Parley cannot write to the conversation database ({reason}), so it opened it read-only: nothing new can be saved until its folder is writable and the disk has room.</source>
        <translation>Parley 无法写入对话数据库（{reason}），因此以只读方式打开了它：在其文件夹可写且磁盘有空间之前，无法保存任何新内容。</translation>
    </message>
    <message>
        <source>The conversation database {path} is damaged ({reason}), and Parley cannot set it aside because it cannot write there ({problem}); make the folder writable or free some disk space, and start Parley again.</source>
        <translation>对话数据库 {path} 已损坏（{reason}），而 Parley 无法在那里写入（{problem}），因此无法将它移到一旁；请让该文件夹可写或释放一些磁盘空间，然后重新启动 Parley。</translation>
    </message>
    <message>
        <source>Cannot open the conversation database {path} ({reason}); check that the folder is writable and the disk is not full.</source>
        <translation>无法打开对话数据库 {path}（{reason}）；请检查该文件夹是否可写，以及磁盘是否已满。</translation>
    </message>
    <message>
        <source>The conversation database {path} was written by a newer version of Parley (schema {schema}, this version knows {known}); update Parley. The file was left untouched.</source>
        <translation>对话数据库 {path} 由更新版本的 Parley 写入（架构版本 {schema}，此版本只支持到 {known}）；请更新 Parley。该文件未被改动。</translation>
    </message>
    <message>
        <source>Upgrading {path} to schema {schema} would break {count} links between rows; nothing was changed.</source>
        <translation>将 {path} 升级到架构版本 {schema} 会破坏 {count} 处行间关联；未做任何更改。</translation>
    </message>
    <message>
        <source>Only a reply that was stopped or cut short can be continued.</source>
        <translation>只有被停止或被截断的回复才能继续。</translation>
    </message>
    <message>
        <source>No model file was given to load.</source>
        <translation>没有指定要加载的模型文件。</translation>
    </message>
    <message>
        <source>No model is loaded; choose a model and try again.</source>
        <translation>尚未加载模型；请选择一个模型后重试。</translation>
    </message>
    <message>
        <source>llama.cpp failed while generating ({problem}); try again, or lower the context length.</source>
        <translation>llama.cpp 在生成时出错（{problem}）；请重试，或降低上下文长度。</translation>
    </message>
    <message>
        <source>Loading {file} was cancelled.</source>
        <translation>已取消加载 {file}。</translation>
    </message>
    <message>
        <source>{message} on line {line}</source>
        <translation>{message}（第 {line} 行）</translation>
    </message>
    <message>
        <source>The model&apos;s chat template failed on this conversation ({problem}); choose another chat template in Settings.</source>
        <translation>模型的对话模板无法处理此对话（{problem}）；请在设置中选择其他对话模板。</translation>
    </message>
    <message>
        <source>The chosen chat template failed on this conversation ({problem}); choose another chat template in Settings.</source>
        <translation>所选的对话模板无法处理此对话（{problem}）；请在设置中选择其他对话模板。</translation>
    </message>
    <message>
        <source>The chat template inside the model file is broken ({problem}); choose another chat template in Settings.</source>
        <translation>模型文件内置的对话模板有错误（{problem}）；请在设置中选择其他对话模板。</translation>
    </message>
    <message>
        <source>The chat template chosen in Settings is broken ({problem}); choose another chat template in Settings.</source>
        <translation>设置中选择的对话模板有错误（{problem}）；请在设置中选择其他对话模板。</translation>
    </message>
    <message>
        <source>No remote connection was given to load.</source>
        <translation>没有指定要加载的远程连接。</translation>
    </message>
    <message>
        <source>No API key is stored for the connection {name}; enter it again in Models → Connections.</source>
        <translation>连接 {name} 没有保存 API 密钥；请在“模型 → 连接”中重新输入。</translation>
    </message>
    <message>
        <source>The server {name} cannot be asked to follow a grammar; use a local model for grammar-constrained replies.</source>
        <translation>无法要求服务器 {name} 遵循语法；需要受语法约束的回复时，请使用本地模型。</translation>
    </message>
    <message>
        <source>No model is loaded; wait for it to load, or choose another model.</source>
        <translation>尚未加载模型；请等待它加载完成，或选择其他模型。</translation>
    </message>
    <message>
        <source>The server {name} lists no models; load or install one on the server, then try again.</source>
        <translation>服务器 {name} 没有列出任何模型；请在服务器上加载或安装一个模型，然后重试。</translation>
    </message>
    <message>
        <source>The server {name} has no model “{model}”; it offers {models}. Choose one of them in Models → Connections.</source>
        <translation>服务器 {name} 上没有模型“{model}”；它提供的模型有：{models}。请在“模型 → 连接”中选择其中之一。</translation>
    </message>
    <message>
        <source>The conversations were opened read-only, so nothing can be saved; make {folder} writable (or free disk space) and try again.</source>
        <translation>对话是以只读方式打开的，因此无法保存任何内容；请让 {folder} 可写（或释放磁盘空间）后重试。</translation>
    </message>
    <message>
        <source>Cannot create Parley&apos;s folders under {folder} ({reason}); choose another folder with --data-dir.</source>
        <translation>无法在 {folder} 下创建 Parley 的文件夹（{reason}）；请用 --data-dir 选择其他文件夹。</translation>
    </message>
    <message>
        <source>it is not valid JSON ({error})</source>
        <translation>它不是有效的 JSON（{error}）</translation>
    </message>
    <message>
        <source>it is not a Parley file of this kind</source>
        <translation>它不是此类 Parley 文件</translation>
    </message>
    <message>
        <source>it was written by a newer version of Parley</source>
        <translation>它由更新版本的 Parley 写入</translation>
    </message>
    <message>
        <source>The {what} file {path} could not be used because {reason}; defaults are used and it was left in place.</source>
        <translation>{what}文件 {path} 无法使用，因为{reason}；已改用默认值，该文件保留在原处。</translation>
    </message>
    <message>
        <source>The {what} file could not be used because {reason}; defaults are used and the old file was kept as {kept}.</source>
        <translation>{what}文件无法使用，因为{reason}；已改用默认值，旧文件已保留为 {kept}。</translation>
    </message>
    <message>
        <source>an unknown model</source>
        <translation>一个未知模型</translation>
    </message>
    <message>
        <source>Parley closed unexpectedly while loading {model} last time, so it was not loaded now; choose it again in the model list to retry, or pick another model.</source>
        <translation>上次加载 {model} 时 Parley 意外关闭，因此这次没有加载它；请在模型列表中再次选择它以重试，或选择其他模型。</translation>
    </message>
    <message>
        <source>memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>memory (RAM and GPU together)</source>
        <translation>内存（RAM 与 GPU 合计）</translation>
    </message>
    <message>
        <source>{file} needs about {needed} at a context of {tokens} tokens, but only {free} of {where} is free, so it will not fit; choose a smaller model or quantization, or lower the context length.</source>
        <translation>{file} 在 {tokens} 个 token 的上下文下约需 {needed}，但可用{where}只有 {free}，放不下；请选择更小的模型或量化，或降低上下文长度。</translation>
    </message>
    <message>
        <source>Name: {name}</source>
        <translation>名称：{name}</translation>
    </message>
    <message>
        <source>License: {license}</source>
        <translation>许可证：{license}</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>未注明</translation>
    </message>
    <message>
        <source>{tokens} tokens</source>
        <translation>{tokens} 个 token</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>included</source>
        <translation>已包含</translation>
    </message>
    <message>
        <source>none (a generic one is used)</source>
        <translation>无（使用通用模板）</translation>
    </message>
    <message>
        <source>Architecture: {architecture} · Parameters: {parameters} · Quantization: {quantization}</source>
        <translation>架构：{architecture} · 参数：{parameters} · 量化：{quantization}</translation>
    </message>
    <message>
        <source>Trained context: {trained} · Chat template: {template}</source>
        <translation>训练上下文：{trained} · 对话模板：{template}</translation>
    </message>
    <message>
        <source>File size: {size}</source>
        <translation>文件大小：{size}</translation>
    </message>
    <message>
        <source>Memory at a context of {tokens} tokens: about {total} (weights {weights}, KV cache {kv_cache}, working buffers {compute})</source>
        <translation>上下文为 {tokens} 个 token 时的内存：约 {total}（权重 {weights}，KV 缓存 {kv_cache}，工作缓冲区 {compute}）</translation>
    </message>
    <message>
        <source>no GPU in use</source>
        <translation>未使用 GPU</translation>
    </message>
    <message>
        <source>Free now: RAM {ram} · {gpu}</source>
        <translation>当前可用：RAM {ram} · {gpu}</translation>
    </message>
    <message>
        <source>This llama.cpp build runs on the CPU only (no GPU support compiled in).</source>
        <translation>此 llama.cpp 版本只能在 CPU 上运行（编译时未包含 GPU 支持）。</translation>
    </message>
    <message>
        <source>This llama.cpp build supports GPUs, but it sees none.</source>
        <translation>此 llama.cpp 版本支持 GPU，但未检测到任何 GPU。</translation>
    </message>
    <message>
        <source>GPUs: {devices}</source>
        <translation>GPU：{devices}</translation>
    </message>
    <message>
        <source>{name} ({free} of {total} free)</source>
        <translation>{name}（可用 {free}，共 {total}）</translation>
    </message>
    <message>
        <source>The model runs on the CPU because this llama.cpp build cannot use a GPU; install a GPU build as the README explains.</source>
        <translation>模型在 CPU 上运行，因为此 llama.cpp 版本无法使用 GPU；请按 README 的说明安装支持 GPU 的版本。</translation>
    </message>
    <message>
        <source>The model runs on the CPU because llama.cpp sees no GPU; check the GPU driver.</source>
        <translation>模型在 CPU 上运行，因为 llama.cpp 未检测到 GPU；请检查 GPU 驱动程序。</translation>
    </message>
    <message>
        <source>The model runs on the CPU because the GPU has only {free} free.</source>
        <translation>模型在 CPU 上运行，因为 GPU 只有 {free} 可用显存。</translation>
    </message>
    <message>
        <source>all layers</source>
        <translation>全部层</translation>
    </message>
    <message>
        <source>{layers} layers</source>
        <translation>{layers} 层</translation>
    </message>
    <message>
        <source>the GPU ran out of memory</source>
        <translation>显存不足</translation>
    </message>
    <message>
        <source>loading on the GPU failed ({error})</source>
        <translation>加载失败（{error}）</translation>
    </message>
    <message>
        <source>on CPU</source>
        <translation>在 CPU 上</translation>
    </message>
    <message>
        <source>with {layers} layers on the GPU</source>
        <translation>将 {layers} 层放在 GPU 上</translation>
    </message>
    <message>
        <source>Loaded {where}: {why} at {asked}.</source>
        <translation>已{where}加载：{asked}放在 GPU 上时{why}。</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>GPU {layers}/{total} layers</source>
        <translation>GPU {layers}/{total} 层</translation>
    </message>
    <message>
        <source>GPU {layers} layers</source>
        <translation>GPU {layers} 层</translation>
    </message>
    <message>
        <source>settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>it does not hold a settings object</source>
        <translation>它不包含设置对象</translation>
    </message>
    <message>
        <source>the old file was kept as {path}</source>
        <translation>旧文件已保留为 {path}</translation>
    </message>
    <message>
        <source>fix {path} by hand</source>
        <translation>请手动修正 {path}</translation>
    </message>
    <message>
        <source>Invalid settings were replaced by their defaults and {kept}: {problems}</source>
        <translation>无效的设置已替换为默认值，{kept}：{problems}</translation>
    </message>
    <message>
        <source>Port {port} is in use; choose another port in Settings → Local API server.</source>
        <translation>端口 {port} 已被占用；请在“设置 → 本地 API 服务器”中选择其他端口。</translation>
    </message>
    <message>
        <source>The local API server cannot listen on port {port} ({reason}); choose another port in Settings → Local API server.</source>
        <translation>本地 API 服务器无法监听端口 {port}（{reason}）；请在“设置 → 本地 API 服务器”中选择其他端口。</translation>
    </message>
    <message>
        <source>Cannot keep the API token in {path} ({reason}); check that folder&apos;s permissions.</source>
        <translation>无法将 API 令牌保存到 {path}（{reason}）；请检查该文件夹的权限。</translation>
    </message>
    <message>
        <source>API keys are stored in the system keyring ({name}).</source>
        <translation>API 密钥保存在系统密钥环（{name}）中。</translation>
    </message>
    <message>
        <source>No system keyring was found, so API keys are stored in {path}, a file only your user account can read.</source>
        <translation>未找到系统密钥环，因此 API 密钥保存在 {path} 中，该文件只有你的用户账户可以读取。</translation>
    </message>
    <message>
        <source>The API key file {path} cannot be read ({reason}); fix or remove it, then enter the keys again.</source>
        <translation>无法读取 API 密钥文件 {path}（{reason}）；请修复或删除它，然后重新输入密钥。</translation>
    </message>
    <message>
        <source>Cannot save the API key to {path} ({reason}); check the folder&apos;s permissions.</source>
        <translation>无法将 API 密钥保存到 {path}（{reason}）；请检查该文件夹的权限。</translation>
    </message>
    <message>
        <source>The system keyring refused the request ({reason}); unlock it and try again.</source>
        <translation>系统密钥环拒绝了请求（{reason}）；请将其解锁后重试。</translation>
    </message>
    <message>
        <source>“{url}” is not a server address; write it like http://localhost:8080/v1.</source>
        <translation>“{url}”不是服务器地址；请写成 http://localhost:8080/v1 这样的形式。</translation>
    </message>
    <message>
        <source>The server address has a user name, query or fragment; give only the scheme, host, port and path, and put the key in the API key field.</source>
        <translation>服务器地址中包含用户名、查询参数或片段；请只提供协议、主机、端口和路径，并将密钥填入“API 密钥”栏。</translation>
    </message>
    <message>
        <source>“{name}” cannot name a connection; use up to 64 letters, digits, spaces and . @ + - _ (starting with a letter or digit).</source>
        <translation>“{name}”不能用作连接名称；请使用最多 64 个字母、数字、空格及 . @ + - _（以字母或数字开头）。</translation>
    </message>
    <message>
        <source>connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>{count} of its entries are not valid connections</source>
        <translation>其中有 {count} 个条目不是有效的连接</translation>
    </message>
    <message>
        <source>There is no connection called “{name}”; add it in Models → Connections or with `parley connections add`.</source>
        <translation>没有名为“{name}”的连接；请在“模型 → 连接”中添加，或使用 `parley connections add` 添加。</translation>
    </message>
    <message>
        <source>A connection called “{name}” already exists; choose another name.</source>
        <translation>名为“{name}”的连接已存在；请换一个名称。</translation>
    </message>
    <message>
        <source>Cannot save the connections to {path} ({reason}); check the folder&apos;s permissions and free space.</source>
        <translation>无法将连接保存到 {path}（{reason}）；请检查该文件夹的权限和可用空间。</translation>
    </message>
    <message>
        <source>on the server {name}</source>
        <translation>在服务器 {name} 上</translation>
    </message>
    <message>
        <source>The server {name} answered with something that is not JSON (“{start}”); check that {url} is an OpenAI-compatible API (the address usually ends in /v1).</source>
        <translation>服务器 {name} 返回的内容不是 JSON（“{start}”）；请检查 {url} 是否为兼容 OpenAI 的 API（地址通常以 /v1 结尾）。</translation>
    </message>
    <message>
        <source>The server {name} streamed something that is not a reply (“{start}”); check that {url} is an OpenAI-compatible API.</source>
        <translation>服务器 {name} 流式返回的内容不是回复（“{start}”）；请检查 {url} 是否为兼容 OpenAI 的 API。</translation>
    </message>
    <message>
        <source>The server {name} reported an error while writing the reply ({detail}); try again, or look at the server&apos;s log.</source>
        <translation>服务器 {name} 在生成回复时报告了错误（{detail}）；请重试，或查看服务器的日志。</translation>
    </message>
    <message>
        <source>The server {name} did not accept the API key ({detail}); check its API key in Models → Connections.</source>
        <translation>服务器 {name} 不接受该 API 密钥（{detail}）；请在“模型 → 连接”中检查它的 API 密钥。</translation>
    </message>
    <message>
        <source>The server {name} refused access ({detail}); check its API key in Models → Connections, and that the key may use this model.</source>
        <translation>服务器 {name} 拒绝访问（{detail}）；请在“模型 → 连接”中检查它的 API 密钥，并确认该密钥有权使用此模型。</translation>
    </message>
    <message>
        <source>The server {name} knows no model “{model}” or has no API at {url} ({detail}); pick one of its models, and check that the base URL ends in the API path (usually /v1).</source>
        <translation>服务器 {name} 没有模型“{model}”，或者 {url} 处没有 API（{detail}）；请选择它提供的模型之一，并检查基础 URL 是否以 API 路径（通常是 /v1）结尾。</translation>
    </message>
    <message>
        <source>The server {name} has no OpenAI-compatible API at {url} ({detail}); check the base URL, which usually ends in /v1.</source>
        <translation>服务器 {name} 在 {url} 处没有兼容 OpenAI 的 API（{detail}）；请检查基础 URL，它通常以 /v1 结尾。</translation>
    </message>
    <message>
        <source>The server {name} is limiting how often it may be asked ({detail}); try again in {seconds} seconds.</source>
        <translation>服务器 {name} 正在限制请求频率（{detail}）；请在 {seconds} 秒后重试。</translation>
    </message>
    <message>
        <source>The server {name} is limiting how often it may be asked ({detail}); wait a moment and try again.</source>
        <translation>服务器 {name} 正在限制请求频率（{detail}）；请稍等片刻再试。</translation>
    </message>
    <message>
        <source>The server {name} rejected the request: {detail}; change the setting it names, or choose another model, and try again.</source>
        <translation>服务器 {name} 拒绝了请求：{detail}；请修改其中提到的设置，或选择其他模型，然后重试。</translation>
    </message>
    <message>
        <source>The server {name} failed with error {status} ({detail}); try again later, or look at the server&apos;s log.</source>
        <translation>服务器 {name} 出错，错误代码为 {status}（{detail}）；请稍后重试，或查看服务器的日志。</translation>
    </message>
    <message>
        <source>The server {name} gave the unexpected answer {status} ({detail}); check the connection&apos;s address in Models → Connections.</source>
        <translation>服务器 {name} 返回了意外的响应 {status}（{detail}）；请在“模型 → 连接”中检查该连接的地址。</translation>
    </message>
    <message>
        <source>The grammar is too long ({size} bytes); the most is {limit}.</source>
        <translation>语法太长（{size} 字节）；上限为 {limit} 字节。</translation>
    </message>
    <message>
        <source>The grammar contains a NUL character.</source>
        <translation>语法中包含 NUL 字符。</translation>
    </message>
    <message>
        <source>The grammar nests brackets {depth} deep; the most is {limit}.</source>
        <translation>语法中的括号嵌套了 {depth} 层；最多允许 {limit} 层。</translation>
    </message>
    <message>
        <source>llama.cpp refused the grammar (a syntax error, an undefined rule, no root rule, left recursion, too many repetitions, or a token reference, which is not supported here); check its GBNF syntax.</source>
        <translation>llama.cpp 拒绝了该语法（原因可能是：句法错误、引用了未定义的规则、缺少 root 规则、左递归、重复次数过多，或使用了此处不支持的 token 引用）；请检查它的 GBNF 句法。</translation>
    </message>
    <message>
        <source>The JSON schema must be an object.</source>
        <translation>JSON 架构必须是一个对象。</translation>
    </message>
    <message>
        <source>The JSON schema cannot be turned into a grammar ({problem}).</source>
        <translation>无法将 JSON 架构转换为语法（{problem}）。</translation>
    </message>
    <message>
        <source>The JSON schema is nested too deeply; the most is {limit} levels.</source>
        <translation>JSON 架构嵌套太深；最多允许 {limit} 层。</translation>
    </message>
    <message>
        <source>The JSON schema refers to {ref}; only references inside the schema (starting with #/) are supported.</source>
        <translation>JSON 架构引用了 {ref}；只支持架构内部的引用（以 #/ 开头）。</translation>
    </message>
    <message>
        <source>The JSON schema asks for {count} repetitions in all; the most is {limit}.</source>
        <translation>JSON 架构总共要求 {count} 次重复；最多允许 {limit} 次。</translation>
    </message>
    <message>
        <source>{key} in the JSON schema must be a whole number of at least 0.</source>
        <translation>JSON 架构中的 {key} 必须是不小于 0 的整数。</translation>
    </message>
    <message>
        <source>The server {name} did not list its models at {url}; check that the address is an OpenAI-compatible API (it usually ends in /v1).</source>
        <translation>服务器 {name} 没有在 {url} 列出它的模型；请检查该地址是否为兼容 OpenAI 的 API（通常以 /v1 结尾）。</translation>
    </message>
    <message>
        <source>The connection to the server {name} closed in the middle of the reply; the text so far is kept, and Continue can finish it.</source>
        <translation>与服务器 {name} 的连接在回复中途断开；已生成的文本会保留，可用“继续”将其写完。</translation>
    </message>
    <message>
        <source>The host name {host} of the server {name} could not be found ({reason}); check the address, and that this computer is online.</source>
        <translation>找不到服务器 {name} 的主机名 {host}（{reason}）；请检查地址，并确认这台电脑已联网。</translation>
    </message>
    <message>
        <source>The server {name} at {url} has a TLS certificate that cannot be trusted ({reason}); check the address, or the server&apos;s certificate.</source>
        <translation>位于 {url} 的服务器 {name} 的 TLS 证书不可信（{reason}）；请检查地址或服务器的证书。</translation>
    </message>
    <message>
        <source>A secure (TLS) connection to the server {name} at {url} failed ({reason}); check whether its address should start with http:// or https://.</source>
        <translation>与位于 {url} 的服务器 {name} 建立安全（TLS）连接失败（{reason}）；请检查它的地址应以 http:// 还是 https:// 开头。</translation>
    </message>
    <message>
        <source>The server {name} at {url} did not accept a connection within {seconds} seconds; check that the server is running and the address.</source>
        <translation>位于 {url} 的服务器 {name} 在 {seconds} 秒内没有接受连接；请检查服务器是否正在运行，以及地址是否正确。</translation>
    </message>
    <message>
        <source>The server {name} sent nothing for {seconds} seconds, so Parley stopped waiting; the server may be overloaded or stuck, so try again later.</source>
        <translation>服务器 {name} 已有 {seconds} 秒没有发送任何内容，因此 Parley 停止了等待；服务器可能负载过高或已卡住，请稍后重试。</translation>
    </message>
    <message>
        <source>The server {name} at {url} closed the connection without a proper answer; check that the address is an OpenAI-compatible API (http:// or https://).</source>
        <translation>位于 {url} 的服务器 {name} 没有给出正常响应就关闭了连接；请检查该地址是否为兼容 OpenAI 的 API（http:// 或 https://）。</translation>
    </message>
    <message>
        <source>The server {name} is not reachable at {url} ({reason}); check that the server is running and the address.</source>
        <translation>无法通过 {url} 连接服务器 {name}（{reason}）；请检查服务器是否正在运行，以及地址是否正确。</translation>
    </message>
    <message>
        <source>Talking to the server {name} at {url} failed ({reason}); check the connection and try again.</source>
        <translation>与位于 {url} 的服务器 {name} 通信失败（{reason}）；请检查连接后重试。</translation>
    </message>
    <message>
        <source>Remote connections are not available here.</source>
        <translation>此处无法使用远程连接。</translation>
    </message>
    <message>
        <source>Parley is chatting through a remote connection; its local API server offers local models only.</source>
        <translation>Parley 正通过远程连接进行对话；其本地 API 服务器只提供本地模型。</translation>
    </message>
    <message>
        <source>it claims {count} layers</source>
        <translation>它声称有 {count} 层</translation>
    </message>
    <message>
        <source>it claims a context of {count} tokens</source>
        <translation>它声称上下文长度为 {count} 个 token</translation>
    </message>
    <message>
        <source>it changed while it was being read</source>
        <translation>读取过程中文件发生了变化</translation>
    </message>
    <message>
        <source>tokens {first} and {second} are the same</source>
        <translation>token {first} 与 {second} 相同</translation>
    </message>
    <message>
        <source>its vocabulary has no token for the byte {byte}</source>
        <translation>其词表中没有字节 {byte} 的 token</translation>
    </message>
    <message>
        <source>it claims {count} attention heads for {size} dimensions</source>
        <translation>它声称 {size} 维对应 {count} 个注意力头</translation>
    </message>
    <message>
        <source>it claims {count} key/value heads for {heads} attention heads</source>
        <translation>它声称 {heads} 个注意力头对应 {count} 个键/值头</translation>
    </message>
    <message>
        <source>it claims attention heads of {size} dimensions</source>
        <translation>它声称注意力头为 {size} 维</translation>
    </message>
    <message>
        <source>The model file {file} cannot be used ({reason}); download it again or use another file.</source>
        <translation>无法使用模型文件 {file}（{reason}）；请重新下载或使用其他文件。</translation>
    </message>
    <message>
        <source>Parley found {journal}, a leftover file that does not belong to the conversation database, and set it aside as {kept} so that it cannot change the database.</source>
        <translation>Parley 发现了 {journal}，这是一个不属于对话数据库的残留文件，已将它移到一旁并保存为 {kept}，使它无法改动数据库。</translation>
    </message>
    <message>
        <source>The last change to the conversation database was interrupted, so SQLite undid it using {journal}; a copy of that file was kept as {kept}.</source>
        <translation>对话数据库的上一次修改被中断，因此 SQLite 已使用 {journal} 撤销了它；该文件的副本保留为 {kept}。</translation>
    </message>
    <message>
        <source>The conversation database&apos;s log file {wal} is missing, so changes made since Parley last closed normally may be lost. The database as it was found was kept as {kept}; if the log turns up, put it beside that copy as {kept}-wal to read them.</source>
        <translation>对话数据库的日志文件 {wal} 不见了，因此自 Parley 上次正常关闭以来所做的更改可能已经丢失。发现时的数据库已保留为 {kept}；如果找回了日志文件，请把它以 {kept}-wal 的名字放在该副本旁边，即可读取这些更改。</translation>
    </message>
    <message>
        <source>the table {table} is not as Parley made it</source>
        <translation>表 {table} 与 Parley 创建时不一致</translation>
    </message>
    <message>
        <source>it ran for more than {seconds} seconds</source>
        <translation>它运行超过了 {seconds} 秒</translation>
    </message>
    <message>
        <source>it made more than {limit} characters of text</source>
        <translation>它生成了超过 {limit} 个字符的文本</translation>
    </message>
    <message>
        <source>it called itself too deeply</source>
        <translation>它的自我调用层级过深</translation>
    </message>
    <message>
        <source>it sums something other than numbers</source>
        <translation>它对数字以外的内容求和</translation>
    </message>
    <message>
        <source>it made a number of more than {bits} bits</source>
        <translation>它生成了超过 {bits} 位的数字</translation>
    </message>
    <message>
        <source>The bundled model is missing ({path}); install Parley again (from source: `make run`), or choose a model file with --model or the model_path setting.</source>
        <translation>内置模型缺失（{path}）；请重新安装 Parley（从源码运行：`make run`），或用 --model 或 model_path 设置选择一个模型文件。</translation>
    </message>
    <message>
        <source>Desktop integration is for Linux; on Windows and macOS the installer adds Parley to the Start menu or Applications folder.</source>
        <translation>桌面集成仅适用于 Linux；在 Windows 和 macOS 上，安装程序会把 Parley 加入“开始”菜单或“应用程序”文件夹。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Temporary chat: nothing in it is saved, and it is gone when you open another chat or close Parley.</source>
        <translation>临时对话：其中的内容都不会保存，打开其他对话或关闭 Parley 后即消失。</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Send or stop</source>
        <translation>发送或停止</translation>
    </message>
    <message>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <source>Add, download, inspect and remove models</source>
        <translation>添加、下载、查看和移除模型</translation>
    </message>
    <message>
        <source>&amp;Chats</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <source>New temporary chat</source>
        <translation>新建临时对话</translation>
    </message>
    <message>
        <source>Search…</source>
        <translation>搜索…</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Export this chat</source>
        <translation>导出此对话</translation>
    </message>
    <message>
        <source>As Markdown…</source>
        <translation>Markdown 格式…</translation>
    </message>
    <message>
        <source>As JSON (everything)…</source>
        <translation>JSON 格式（完整数据）…</translation>
    </message>
    <message>
        <source>Export all chats</source>
        <translation>导出所有对话</translation>
    </message>
    <message>
        <source>Export rated replies for fine-tuning…</source>
        <translation>导出已评价的回复用于微调…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Message</source>
        <translation>消息(&amp;M)</translation>
    </message>
    <message>
        <source>Stop writing</source>
        <translation>停止生成</translation>
    </message>
    <message>
        <source>Regenerate the last reply</source>
        <translation>重新生成上一条回复</translation>
    </message>
    <message>
        <source>Copy the last reply</source>
        <translation>复制上一条回复</translation>
    </message>
    <message>
        <source>Edit your last message</source>
        <translation>编辑你的上一条消息</translation>
    </message>
    <message>
        <source>M&amp;odels</source>
        <translation>模型(&amp;O)</translation>
    </message>
    <message>
        <source>Manage models…</source>
        <translation>管理模型…</translation>
    </message>
    <message>
        <source>Download a model…</source>
        <translation>下载模型…</translation>
    </message>
    <message>
        <source>Connections…</source>
        <translation>连接…</translation>
    </message>
    <message>
        <source>Cancel loading</source>
        <translation>取消加载</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>About Parley</source>
        <translation>关于 Parley</translation>
    </message>
    <message>
        <source>The context window is full</source>
        <translation>上下文窗口已满</translation>
    </message>
    <message>
        <source>Drop the oldest messages</source>
        <translation>丢弃最早的消息</translation>
    </message>
    <message>
        <source>{title} (temporary)</source>
        <translation>{title}（临时）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Moved “{title}” to the trash.</source>
        <translation>已将“{title}”移到回收站。</translation>
    </message>
</context>
<context>
    <name>MarkdownChunks</name>
    <message>
        <source>Showing the first {shown} of {total}; Copy gets all of it.</source>
        <translation>仅显示前 {shown}（共 {total}）；“复制”可获取全部内容。</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>Outside the context window: the model no longer sees this message</source>
        <translation>位于上下文窗口之外：模型已看不到这条消息</translation>
    </message>
    <message>
        <source>generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>cut short at the length limit</source>
        <translation>已达长度上限，回复被截断</translation>
    </message>
    <message>
        <source>interrupted (the app closed while this was being written)</source>
        <translation>已中断（生成过程中应用被关闭）</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>No generation details were recorded for this message.</source>
        <translation>这条消息没有记录生成详情。</translation>
    </message>
    <message>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
    <message>
        <source>Seed: {seed}</source>
        <translation>随机种子：{seed}</translation>
    </message>
    <message>
        <source>Tokens: {prompt} in the prompt, {reply} in the reply</source>
        <translation>token 数：提示 {prompt} 个，回复 {reply} 个</translation>
    </message>
    <message>
        <source>Your note: {note}</source>
        <translation>你的备注：{note}</translation>
    </message>
    <message>
        <source>Settings:</source>
        <translation>设置：</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>{speed} tok/s</source>
        <translation>{speed} tok/s</translation>
    </message>
    <message>
        <source>first token {ms} ms</source>
        <translation>首个 token {ms} ms</translation>
    </message>
    <message>
        <source>Mark this reply as good</source>
        <translation>将此回复标记为好</translation>
    </message>
    <message>
        <source>Mark this reply as bad</source>
        <translation>将此回复标记为差</translation>
    </message>
    <message>
        <source>Show the previous version</source>
        <translation>显示上一个版本</translation>
    </message>
    <message>
        <source>Show the next version</source>
        <translation>显示下一个版本</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>Your message</source>
        <translation>你的消息</translation>
    </message>
    <message>
        <source>Edit the message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Ctrl+Enter saves, Esc cancels</source>
        <translation>Ctrl+Enter 保存，Esc 取消</translation>
    </message>
    <message>
        <source>Save as new version</source>
        <translation>保存为新版本</translation>
    </message>
    <message>
        <source>Send as new version</source>
        <translation>作为新版本发送</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit and resend; the original stays as a version</source>
        <translation>编辑后重新发送；原消息会作为一个版本保留</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Write another reply; this one is kept</source>
        <translation>再生成一条回复；当前回复会保留</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Let the model go on writing this reply</source>
        <translation>让模型接着写这条回复</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>好</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>差</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy this message</source>
        <translation>复制这条消息</translation>
    </message>
    <message>
        <source>Copy as text</source>
        <translation>复制为纯文本</translation>
    </message>
    <message>
        <source>Copy as Markdown</source>
        <translation>复制为 Markdown</translation>
    </message>
    <message>
        <source>More actions</source>
        <translation>更多操作</translation>
    </message>
    <message>
        <source>Feedback note…</source>
        <translation>反馈备注…</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>详情…</translation>
    </message>
    <message>
        <source>Fork into a new chat</source>
        <translation>分叉为新对话</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <source>A note about this reply (optional):</source>
        <translation>关于此回复的备注（可选）：</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <source>Delete this message and every reply after it, on every branch? This cannot be undone.</source>
        <translation>要删除这条消息及其后所有分支上的全部回复吗？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Reply details</source>
        <translation>回复详情</translation>
    </message>
</context>
<context>
    <name>ModelLoader</name>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Loading {model}…</source>
        <translation>正在加载 {model}…</translation>
    </message>
    <message>
        <source>{model} · {placement}</source>
        <translation>{model} · {placement}</translation>
    </message>
    <message>
        <source>{model} · {placement} · context {tokens}</source>
        <translation>{model} · {placement} · 上下文 {tokens}</translation>
    </message>
    <message>
        <source>No model loaded: loading was cancelled</source>
        <translation>未加载模型：加载已取消</translation>
    </message>
</context>
<context>
    <name>ModelManager</name>
    <message>
        <source>{model} is in use; switch to another model before deleting its file.</source>
        <translation>{model} 正在使用中；请先切换到其他模型，再删除它的文件。</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>first model</source>
        <translation>第一个模型</translation>
    </message>
    <message>
        <source>{name} · {model} (remote)</source>
        <translation>{name} · {model}（远程）</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The model this chat uses; choosing another one loads it</source>
        <translation>此对话使用的模型；选择其他模型会加载它</translation>
    </message>
    <message>
        <source>{model} (missing)</source>
        <translation>{model}（缺失）</translation>
    </message>
    <message>
        <source>{name} (removed connection)</source>
        <translation>{name}（已移除的连接）</translation>
    </message>
    <message>
        <source>{model} (not in the library)</source>
        <translation>{model}（不在模型库中）</translation>
    </message>
</context>
<context>
    <name>ModelStatus</name>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Loading the model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel loading the model</source>
        <translation>取消加载模型</translation>
    </message>
    <message>
        <source>Stop loading this model</source>
        <translation>停止加载此模型</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>bundled with Parley</source>
        <translation>Parley 内置</translation>
    </message>
    <message>
        <source>models folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>linked</source>
        <translation>已链接</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Models in the library</source>
        <translation>模型库中的模型</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>Load the selected model for the open chat</source>
        <translation>为当前对话加载所选模型</translation>
    </message>
    <message>
        <source>Add a model file…</source>
        <translation>添加模型文件…</translation>
    </message>
    <message>
        <source>Link a GGUF file where it is, or copy it into Parley&apos;s models folder</source>
        <translation>在原位置链接 GGUF 文件，或将其复制到 Parley 的模型文件夹</translation>
    </message>
    <message>
        <source>Link it where it is…</source>
        <translation>在原位置链接…</translation>
    </message>
    <message>
        <source>Copy it into Parley&apos;s models folder…</source>
        <translation>复制到 Parley 的模型文件夹…</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Remove model</source>
        <translation>移除模型</translation>
    </message>
    <message>
        <source>Take the selected model out of the library, keeping or deleting its file</source>
        <translation>将所选模型移出模型库，可保留或删除其文件</translation>
    </message>
    <message>
        <source>{model} (missing)</source>
        <translation>{model}（缺失）</translation>
    </message>
    <message>
        <source>No model selected</source>
        <translation>未选择模型</translation>
    </message>
    <message>
        <source>Add a model file, drop one here, or download one below.</source>
        <translation>添加模型文件、将文件拖放到这里，或在下方下载。</translation>
    </message>
    <message>
        <source>{model} — {origin}</source>
        <translation>{model} — {origin}</translation>
    </message>
    <message>
        <source>The file {path} is missing; remove it from the list, or put the file back.</source>
        <translation>文件 {path} 不存在；请将其从列表中移除，或把文件放回原处。</translation>
    </message>
    <message>
        <source>Reading {path}…</source>
        <translation>正在读取 {path}…</translation>
    </message>
    <message>
        <source>Add a model file</source>
        <translation>添加模型文件</translation>
    </message>
    <message>
        <source>Remove {model} from the library?</source>
        <translation>要从模型库中移除 {model} 吗？</translation>
    </message>
    <message>
        <source>Remove, keep the file</source>
        <translation>移除，保留文件</translation>
    </message>
    <message>
        <source>Remove and delete the file</source>
        <translation>移除并删除文件</translation>
    </message>
</context>
<context>
    <name>OptionRow</name>
    <message>
        <source>Reset {setting}</source>
        <translation>重置“{setting}”</translation>
    </message>
    <message>
        <source>● {setting}</source>
        <translation>● {setting}</translation>
    </message>
    <message>
        <source>not used</source>
        <translation>未使用</translation>
    </message>
</context>
<context>
    <name>ReplyStream</name>
    <message>
        <source>≈ {speed} tok/s</source>
        <translation>≈ {speed} tok/s</translation>
    </message>
    <message>
        <source>{speed} tok/s</source>
        <translation>{speed} tok/s</translation>
    </message>
    <message>
        <source>The reply could not be saved because its conversation was deleted or the database is busy; try again.</source>
        <translation>无法保存回复：它所属的对话已被删除，或数据库正忙；请重试。</translation>
    </message>
</context>
<context>
    <name>SearchDialog</name>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>You:</source>
        <translation>你：</translation>
    </message>
    <message>
        <source>Assistant:</source>
        <translation>助手：</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Search titles and messages (English, 中文, …)</source>
        <translation>搜索标题和消息（English、中文、…）</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>Nothing found.</source>
        <translation>未找到结果。</translation>
    </message>
    <message>
        <source>%n found</source>
        <translation>找到 %n 条结果</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>next message</source>
        <translation>下条消息生效</translation>
    </message>
    <message>
        <source>model reload</source>
        <translation>重新加载模型后生效</translation>
    </message>
    <message>
        <source>at once</source>
        <translation>立即生效</translation>
    </message>
    <message>
        <source>next start</source>
        <translation>下次启动生效</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Model loading</source>
        <translation>模型加载</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Conversation memory</source>
        <translation>对话缓存</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Local API server</source>
        <translation>本地 API 服务器</translation>
    </message>
    <message>
        <source>Automatic (from the model file)</source>
        <translation>自动（取自模型文件）</translation>
    </message>
    <message>
        <source>Custom Jinja template</source>
        <translation>自定义 Jinja 模板</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Randomness: 0 always picks the likeliest token, higher values give more varied text.</source>
        <translation>随机程度：0 总是选择可能性最大的 token，数值越高，生成的文本越多样。</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Sample only from the k likeliest tokens; 0 turns the limit off.</source>
        <translation>只从可能性最大的 k 个 token 中采样；0 表示不限制。</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample from the smallest set of tokens whose probabilities add up to p; 1 turns it off.</source>
        <translation>从累计概率达到 p 的最小 token 集合中采样；1 表示关闭。</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Drop tokens less likely than this fraction of the likeliest one; 0 turns it off.</source>
        <translation>舍弃概率低于最可能 token 概率的该比例的 token；0 表示关闭。</translation>
    </message>
    <message>
        <source>Typical-p</source>
        <translation>Typical-p</translation>
    </message>
    <message>
        <source>Locally typical sampling: keep tokens close to the expected surprise; 1 turns it off.</source>
        <translation>局部典型采样：保留惊奇度接近期望值的 token；1 表示关闭。</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Make recently used tokens less likely; 1 means no penalty.</source>
        <translation>降低最近出现过的 token 的概率；1 表示不惩罚。</translation>
    </message>
    <message>
        <source>Repeat window</source>
        <translation>重复检测窗口</translation>
    </message>
    <message>
        <source>How many recent tokens the repeat, presence and frequency penalties look at.</source>
        <translation>重复惩罚、存在惩罚和频率惩罚所考察的最近 token 数量。</translation>
    </message>
    <message>
        <source>Presence penalty</source>
        <translation>存在惩罚</translation>
    </message>
    <message>
        <source>Make any token already in the window less likely, once; encourages new topics.</source>
        <translation>对窗口中已出现过的 token 一次性降低其概率；鼓励引入新话题。</translation>
    </message>
    <message>
        <source>Frequency penalty</source>
        <translation>频率惩罚</translation>
    </message>
    <message>
        <source>Make tokens less likely the more often they appear in the window.</source>
        <translation>token 在窗口中出现得越频繁，其概率就降得越多。</translation>
    </message>
    <message>
        <source>Mirostat</source>
        <translation>Mirostat</translation>
    </message>
    <message>
        <source>Adaptive sampling that targets a steady surprise; replaces top-k, top-p and min-p.</source>
        <translation>以稳定惊奇度为目标的自适应采样；会取代 Top-k、Top-p 和 Min-p。</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Mirostat 1</source>
        <translation>Mirostat 1</translation>
    </message>
    <message>
        <source>Mirostat 2</source>
        <translation>Mirostat 2</translation>
    </message>
    <message>
        <source>Mirostat target (tau)</source>
        <translation>Mirostat 目标值 (tau)</translation>
    </message>
    <message>
        <source>The surprise Mirostat aims for: lower is more focused, higher more varied.</source>
        <translation>Mirostat 追求的惊奇度：越低越集中，越高越多样。</translation>
    </message>
    <message>
        <source>Mirostat learning rate (eta)</source>
        <translation>Mirostat 学习率 (eta)</translation>
    </message>
    <message>
        <source>How fast Mirostat adjusts towards its target.</source>
        <translation>Mirostat 向目标值调整的速度。</translation>
    </message>
    <message>
        <source>Maximum reply length</source>
        <translation>最大回复长度</translation>
    </message>
    <message>
        <source>Stop the reply after this many tokens.</source>
        <translation>回复达到此 token 数后停止。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>A fixed seed makes replies reproducible; random picks and records a new seed each time.</source>
        <translation>固定的随机种子可使回复可复现；选“随机”则每次选取并记录一个新种子。</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Stop sequences</source>
        <translation>停止序列</translation>
    </message>
    <message>
        <source>The reply ends when it produces any of these texts (one per line in the panel).</source>
        <translation>回复中出现其中任一文本时即结束（在面板中每行一个）。</translation>
    </message>
    <message>
        <source>Model file</source>
        <translation>模型文件</translation>
    </message>
    <message>
        <source>Path to a GGUF model (pick one above the chat); empty means the bundled SmolLM2-135M-Instruct.</source>
        <translation>GGUF 模型的路径（可在对话上方选择）；留空则使用内置的 SmolLM2-135M-Instruct。</translation>
    </message>
    <message>
        <source>Remote connection</source>
        <translation>远程连接</translation>
    </message>
    <message>
        <source>An OpenAI-compatible server to chat through instead of a local model (pick one above the chat; add them in Models → Connections); empty means the local model.</source>
        <translation>代替本地模型用于对话的兼容 OpenAI 的服务器（可在对话上方选择；在“模型 → 连接”中添加）；留空则使用本地模型。</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>How many tokens of conversation the model can see at once; more needs more memory.</source>
        <translation>模型一次能看到的对话 token 数；越多占用内存越多。</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Layers offloaded to the GPU: auto fits as many as free video memory holds; 0 keeps the model on the CPU.</source>
        <translation>卸载到 GPU 的层数：“自动”会在空闲显存允许的范围内尽量多放；0 表示模型全部留在 CPU 上。</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <source>CPU threads used while generating; automatic uses the physical cores.</source>
        <translation>生成时使用的 CPU 线程数；“自动”使用全部物理核心。</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Threads for prompt processing</source>
        <translation>提示处理线程数</translation>
    </message>
    <message>
        <source>CPU threads used while reading the prompt; automatic uses every core.</source>
        <translation>读取提示时使用的 CPU 线程数；“自动”使用所有核心。</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Prompt tokens processed per step: larger is faster on a GPU but uses more memory.</source>
        <translation>每步处理的提示 token 数：越大在 GPU 上越快，但占用内存越多。</translation>
    </message>
    <message>
        <source>Flash attention</source>
        <translation>闪电注意力</translation>
    </message>
    <message>
        <source>A faster, leaner attention kernel; helps most on GPUs.</source>
        <translation>更快、更省内存的注意力计算内核；在 GPU 上效果最明显。</translation>
    </message>
    <message>
        <source>Memory-map the model</source>
        <translation>内存映射模型</translation>
    </message>
    <message>
        <source>Read the weights on demand from the file instead of copying them into memory first.</source>
        <translation>按需从文件读取权重，而不是先将其全部复制到内存中。</translation>
    </message>
    <message>
        <source>Lock the model in memory</source>
        <translation>将模型锁定在内存中</translation>
    </message>
    <message>
        <source>Keep the weights in RAM so the system never swaps them out; needs enough free RAM.</source>
        <translation>将权重保留在 RAM 中，使系统不会将其换出；需要足够的空闲 RAM。</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Instructions the model sees before every conversation.</source>
        <translation>模型在每次对话前都会看到的指令。</translation>
    </message>
    <message>
        <source>Chat template</source>
        <translation>对话模板</translation>
    </message>
    <message>
        <source>How messages are laid out for the model: from the model file, a named format, or custom.</source>
        <translation>消息呈现给模型的格式：取自模型文件、使用某种命名格式，或自定义。</translation>
    </message>
    <message>
        <source>Custom template</source>
        <translation>自定义模板</translation>
    </message>
    <message>
        <source>A Jinja chat template, used when the chat template is custom; checked as you type.</source>
        <translation>Jinja 对话模板，在对话模板设为自定义时使用；输入时即时检查。</translation>
    </message>
    <message>
        <source>When the chat outgrows the context</source>
        <translation>对话超出上下文时</translation>
    </message>
    <message>
        <source>Drop the oldest turns (the system prompt and first message always stay), or stop and ask.</source>
        <translation>丢弃最早的轮次（系统提示词和第一条消息始终保留），或停止并询问。</translation>
    </message>
    <message>
        <source>Drop the oldest turns</source>
        <translation>丢弃最早的轮次</translation>
    </message>
    <message>
        <source>Stop and ask</source>
        <translation>停止并询问</translation>
    </message>
    <message>
        <source>Alternatives per reply</source>
        <translation>每次回复的版本数</translation>
    </message>
    <message>
        <source>How many replies to write, one after another, for each message; pick one with ‹ ›.</source>
        <translation>每条消息依次生成多少条回复；用 ‹ › 切换选择。</translation>
    </message>
    <message>
        <source>Automatic titles</source>
        <translation>自动标题</translation>
    </message>
    <message>
        <source>Let the model name a new chat after its first reply, in the background.</source>
        <translation>在第一条回复之后，让模型在后台为新对话命名。</translation>
    </message>
    <message>
        <source>Conversation memory cache (MB)</source>
        <translation>对话内存缓存 (MB)</translation>
    </message>
    <message>
        <source>RAM for the KV state of recent conversations, so switching back answers at once; 0 turns it off.</source>
        <translation>用于保存最近对话 KV 状态的 RAM，切换回去时可立即回复；0 表示关闭。</translation>
    </message>
    <message>
        <source>Keep conversation state on disk</source>
        <translation>在磁盘上保存对话状态</translation>
    </message>
    <message>
        <source>Save each conversation&apos;s KV state, so a long chat reopened after a restart answers at once.</source>
        <translation>保存每个对话的 KV 状态，重启后重新打开的长对话也能立即回复。</translation>
    </message>
    <message>
        <source>Disk cache size (MB)</source>
        <translation>磁盘缓存大小 (MB)</translation>
    </message>
    <message>
        <source>Most disk space the saved conversation states may take; the least recently used go first.</source>
        <translation>已保存的对话状态最多可占用的磁盘空间；最久未使用的会先被清除。</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Light or dark; system follows the desktop&apos;s setting as it changes.</source>
        <translation>浅色或深色；“跟随系统”会随桌面设置的变化而变化。</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Font size</source>
        <translation>字号</translation>
    </message>
    <message>
        <source>Text size in points for the whole window; system keeps the desktop&apos;s size.</source>
        <translation>整个窗口的文字大小（磅）；“跟随系统”使用桌面的字号。</translation>
    </message>
    <message>
        <source>system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The language of Parley&apos;s window; system follows the desktop&apos;s language. Takes effect when Parley starts again.</source>
        <translation>Parley 窗口的语言；“跟随系统”使用桌面的语言。重新启动 Parley 后生效。</translation>
    </message>
    <message>
        <source>Offer the loaded model to other programs over the OpenAI API on this computer (127.0.0.1 only, with the token shown here).</source>
        <translation>通过 OpenAI API 将已加载的模型提供给这台电脑上的其他程序（仅限 127.0.0.1，需使用此处显示的令牌）。</translation>
    </message>
    <message>
        <source>API server port</source>
        <translation>API 服务器端口</translation>
    </message>
    <message>
        <source>The TCP port the local API server listens on.</source>
        <translation>本地 API 服务器监听的端口号。</translation>
    </message>
    <message>
        <source>Allowed web origins</source>
        <translation>允许的网页来源</translation>
    </message>
    <message>
        <source>Web pages allowed to call the API server from a browser, such as http://localhost:3000; none by default.</source>
        <translation>允许从浏览器调用 API 服务器的网页，例如 http://localhost:3000；默认不允许任何网页。</translation>
    </message>
    <message>
        <source>Allow grammars</source>
        <translation>允许语法约束</translation>
    </message>
    <message>
        <source>Accept grammar and JSON-schema constraints in API requests. llama.cpp&apos;s own parser reads them, so allow them only for programs you trust.</source>
        <translation>接受 API 请求中的语法和 JSON 架构约束。这些约束由 llama.cpp 自己的解析器读取，因此只应为你信任的程序开启。</translation>
    </message>
</context>
<context>
    <name>SettingsPanel</name>
    <message>
        <source>next message</source>
        <translation>下条消息生效</translation>
    </message>
    <message>
        <source>reloads model</source>
        <translation>需重新加载模型</translation>
    </message>
    <message>
        <source>at once</source>
        <translation>立即生效</translation>
    </message>
    <message>
        <source>next start</source>
        <translation>下次启动生效</translation>
    </message>
    <message>
        <source>Sampling · applies to the next message</source>
        <translation>采样 · 从下一条消息起生效</translation>
    </message>
    <message>
        <source>Model loading · a change reloads the model</source>
        <translation>模型加载 · 更改后会重新加载模型</translation>
    </message>
    <message>
        <source>Conversation · applies to the next message</source>
        <translation>对话 · 从下一条消息起生效</translation>
    </message>
    <message>
        <source>Conversation memory · keeps long chats fast</source>
        <translation>对话缓存 · 让长对话保持快速响应</translation>
    </message>
    <message>
        <source>Appearance · for every chat</source>
        <translation>外观 · 适用于所有对话</translation>
    </message>
    <message>
        <source>Local API server · for every chat</source>
        <translation>本地 API 服务器 · 适用于所有对话</translation>
    </message>
    <message>
        <source>All chats</source>
        <translation>所有对话</translation>
    </message>
    <message>
        <source>This chat only</source>
        <translation>仅此对话</translation>
    </message>
    <message>
        <source>Edit the settings every chat starts from</source>
        <translation>编辑所有对话的默认设置</translation>
    </message>
    <message>
        <source>Edit the settings of the open chat only</source>
        <translation>仅编辑当前对话的设置</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Apply preset</source>
        <translation>应用预设</translation>
    </message>
    <message>
        <source>Apply the chosen preset&apos;s values</source>
        <translation>应用所选预设的值</translation>
    </message>
    <message>
        <source>Preset actions</source>
        <translation>预设操作</translation>
    </message>
    <message>
        <source>Save, rename, delete, import or export presets</source>
        <translation>保存、重命名、删除、导入或导出预设</translation>
    </message>
    <message>
        <source>Reset all</source>
        <translation>全部重置</translation>
    </message>
    <message>
        <source>Reset every setting shown here</source>
        <translation>重置此处显示的所有设置</translation>
    </message>
    <message>
        <source>Settings for:</source>
        <translation>设置适用于：</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <source>Save current values as a preset…</source>
        <translation>将当前值保存为预设…</translation>
    </message>
    <message>
        <source>Rename preset…</source>
        <translation>重命名预设…</translation>
    </message>
    <message>
        <source>Delete preset…</source>
        <translation>删除预设…</translation>
    </message>
    <message>
        <source>Import presets…</source>
        <translation>导入预设…</translation>
    </message>
    <message>
        <source>Export my presets…</source>
        <translation>导出我的预设…</translation>
    </message>
    <message>
        <source>Changes here apply to every chat that does not override them.</source>
        <translation>此处的更改适用于所有未单独覆盖这些设置的对话。</translation>
    </message>
    <message>
        <source>Changes here apply to this chat only (%n overridden; ● marks them).</source>
        <translation>此处的更改仅适用于此对话（已覆盖 %n 项，以 ● 标记）。</translation>
    </message>
    <message>
        <source>The server {name} does not take this setting, so it is not sent.</source>
        <translation>服务器 {name} 不支持此设置，因此不会发送。</translation>
    </message>
    <message>
        <source>The model in use does not take this setting.</source>
        <translation>当前使用的模型不支持此设置。</translation>
    </message>
    <message>
        <source>Reset every setting for all chats to its built-in default?</source>
        <translation>要将所有对话的每项设置都重置为内置默认值吗？</translation>
    </message>
    <message>
        <source>Remove all of this chat&apos;s own settings?</source>
        <translation>要移除此对话的所有专属设置吗？</translation>
    </message>
    <message>
        <source>Reset settings</source>
        <translation>重置设置</translation>
    </message>
    <message>
        <source>Save preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <source>Preset name:</source>
        <translation>预设名称：</translation>
    </message>
    <message>
        <source>Replace your preset “{name}”?</source>
        <translation>要替换你的预设“{name}”吗？</translation>
    </message>
    <message>
        <source>Rename preset</source>
        <translation>重命名预设</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Delete preset</source>
        <translation>删除预设</translation>
    </message>
    <message>
        <source>Delete the preset “{name}”?</source>
        <translation>要删除预设“{name}”吗？</translation>
    </message>
    <message>
        <source>Import presets</source>
        <translation>导入预设</translation>
    </message>
    <message>
        <source>Export presets</source>
        <translation>导出预设</translation>
    </message>
    <message>
        <source>Presets</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>The file could not be written or read ({reason}); choose another place.</source>
        <translation>无法写入或读取该文件（{reason}）；请选择其他位置。</translation>
    </message>
    <message>
        <source>{name} (persona)</source>
        <translation>{name}（角色）</translation>
    </message>
    <message>
        <source>{name} (persona, yours)</source>
        <translation>{name}（我的角色）</translation>
    </message>
    <message>
        <source>{name} (preset)</source>
        <translation>{name}（预设）</translation>
    </message>
    <message>
        <source>{name} (preset, yours)</source>
        <translation>{name}（我的预设）</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>Start a new chat</source>
        <translation>开始新对话</translation>
    </message>
    <message>
        <source>Start a temporary chat (not saved)</source>
        <translation>开始临时对话（不保存）</translation>
    </message>
    <message>
        <source>Search all chats</source>
        <translation>搜索所有对话</translation>
    </message>
    <message>
        <source>Stop the reply being written</source>
        <translation>停止正在生成的回复</translation>
    </message>
    <message>
        <source>Write another version of the last reply</source>
        <translation>为上一条回复再生成一个版本</translation>
    </message>
    <message>
        <source>Edit your last message (in an empty message box)</source>
        <translation>编辑你的上一条消息（在空白输入框中）</translation>
    </message>
    <message>
        <source>Send or save an edited message (in its editor)</source>
        <translation>发送或保存编辑后的消息（在编辑框中）</translation>
    </message>
    <message>
        <source>Cancel editing (in the editor)</source>
        <translation>取消编辑（在编辑框中）</translation>
    </message>
    <message>
        <source>Copy the last reply</source>
        <translation>复制上一条回复</translation>
    </message>
    <message>
        <source>Send the message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>New line in the message</source>
        <translation>在消息中换行</translation>
    </message>
    <message>
        <source>Show or hide the settings</source>
        <translation>显示或隐藏设置</translation>
    </message>
    <message>
        <source>Manage models</source>
        <translation>管理模型</translation>
    </message>
    <message>
        <source>Rename the selected chat (in the list)</source>
        <translation>重命名所选对话（在列表中）</translation>
    </message>
    <message>
        <source>Move the selected chat to the trash</source>
        <translation>将所选对话移到回收站</translation>
    </message>
    <message>
        <source>Show these shortcuts</source>
        <translation>显示这些快捷键</translation>
    </message>
    <message>
        <source>Quit Parley</source>
        <translation>退出 Parley</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>What it does</source>
        <translation>功能</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>New chat</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <source>Start a new chat; the arrow starts one with a persona, or a temporary chat that is never saved</source>
        <translation>开始新对话；点击箭头可用某个角色开始对话，或开始一个永不保存的临时对话</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <source>Trash</source>
        <translation>回收站</translation>
    </message>
    <message>
        <source>Show deleted conversations, to restore them</source>
        <translation>显示已删除的对话，以便恢复</translation>
    </message>
    <message>
        <source>Empty trash…</source>
        <translation>清空回收站…</translation>
    </message>
    <message>
        <source>Delete every conversation in the trash for good</source>
        <translation>永久删除回收站中的所有对话</translation>
    </message>
    <message>
        <source>Trash (%n)</source>
        <translation>回收站 (%n)</translation>
    </message>
    <message>
        <source>Deleted conversations</source>
        <translation>已删除的对话</translation>
    </message>
    <message>
        <source>The trash is empty.</source>
        <translation>回收站是空的。</translation>
    </message>
    <message>
        <source>No chats yet. Each chat is saved here as soon as you send its first message.</source>
        <translation>还没有对话。每个对话在你发送第一条消息后就会保存在这里。</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Move to trash</source>
        <translation>移到回收站</translation>
    </message>
    <message>
        <source>Blank chat</source>
        <translation>空白对话</translation>
    </message>
    <message>
        <source>Temporary chat (never saved)</source>
        <translation>临时对话（永不保存）</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Delete for good…</source>
        <translation>永久删除…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>Delete for good</source>
        <translation>永久删除</translation>
    </message>
    <message>
        <source>Delete “{title}” for good? This cannot be undone.</source>
        <translation>要永久删除“{title}”吗？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Empty trash</source>
        <translation>清空回收站</translation>
    </message>
    <message>
        <source>Delete the %n conversation(s) in the trash for good? This cannot be undone.</source>
        <translation>要永久删除回收站中的 %n 个对话吗？此操作无法撤销。</translation>
    </message>
</context>
<context>
    <name>TakesModelDrops</name>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>TranscriptView</name>
    <message>
        <source>Type a message below to start chatting. Everything stays on this computer.

Press {help} for keyboard shortcuts.</source>
        <translation>在下方输入消息即可开始对话。所有内容都只保存在这台电脑上。

按 {help} 查看键盘快捷键。</translation>
    </message>
    <message>
        <source>Show earlier messages (%n more)</source>
        <translation>显示更早的消息（还有 %n 条）</translation>
    </message>
</context>
<context>
    <name>Transfers</name>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Parley or ChatGPT export (*.json);;All files (*)</source>
        <translation>Parley 或 ChatGPT 导出文件 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl)</source>
        <translation>JSON 行格式 (*.jsonl)</translation>
    </message>
    <message>
        <source>A reply is being written; import when it is done.</source>
        <translation>正在生成回复；请在完成后再导入。</translation>
    </message>
    <message>
        <source>Import conversations</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Importing {file}…</source>
        <translation>正在导入 {file}…</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Export preferences</source>
        <translation>导出偏好数据</translation>
    </message>
    <message>
        <source>Wrote %n preference pair(s) to {path}.</source>
        <translation>已将 %n 组偏好对写入 {path}。</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>已导出到 {path}。</translation>
    </message>
    <message>
        <source>Imported %n conversation(s).</source>
        <translation>已导入 %n 个对话。</translation>
    </message>
</context>
<context>
    <name>UntrustedMarkdown</name>
    <message>
        <source>[image not loaded: {name}]</source>
        <translation>[图片未加载：{name}]</translation>
    </message>
</context>
</TS>
